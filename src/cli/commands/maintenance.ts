/**
 * `trading-tui maintenance stats|cleanup|check`: look after the database file.
 * stats and check only read (they never take the write lock a running bot needs).
 */
import { existsSync } from 'node:fs';
import { DAY_MS } from '../../core/units.js';
import {
  checkHealth,
  countCleanup,
  databaseFileSizes,
  eachRun,
  reclaimSpace,
  runCleanup,
  tableStats,
  type CleanupCounts,
  type CleanupKind,
  type FileSizes,
  type RunInfo,
} from '../../store/maintenance.js';
import {
  StoreError,
  describeSqliteError,
  identifyDatabase,
  openReadOnly,
  openStore,
  resolveDatabasePath,
} from '../../store/open-store.js';
import { runningBot } from '../../store/run-lock.js';
import type { SqliteConnection } from '../../store/sqlite-connection.js';
import { UsageError, parsePeriodDays } from '../parse-values.js';
import { dbFlag, parseFlags, subcommand } from './flags.js';
import { commandAt } from '../command-table.js';
import { formatBytes, formatTimestamp } from '../../core/format.js';
import { formatTable } from './text-table.js';

const write = (text: string): void => {
  process.stdout.write(text);
};

export async function runCommand(args: readonly string[]): Promise<number> {
  const { name, rest } = subcommand('maintenance', args, ['stats', 'cleanup', 'check'] as const);
  if (name === 'stats') return stats(rest);
  if (name === 'cleanup') return cleanup(rest);
  return check(rest);
}

const sizeText = (sizes: FileSizes): string =>
  `${formatBytes(sizes.main + sizes.wal)} (file ${formatBytes(sizes.main)} + WAL ${formatBytes(sizes.wal)})`;

// ---- stats ----------------------------------------------------------------------------------------

async function stats(args: readonly string[]): Promise<number> {
  const flags = parseFlags(commandAt('maintenance', 'stats'), args);
  const path = resolveDatabasePath(dbFlag(flags));
  const connection = await openStore(path, { readonly: true });
  try {
    const tables = await tableStats(connection);
    const runs: RunInfo[] = [];
    await eachRun(connection, (run) => runs.push(run));
    const sizes = databaseFileSizes(path);
    if (flags.switches.has('--json')) {
      write(`${JSON.stringify({ path, sizes: { ...sizes, total: sizes.main + sizes.wal }, tables, runs })}\n`);
      return 0;
    }
    write(`database  ${path}\nsize      ${sizeText(sizes)}\n\n`);
    write(
      formatTable(
        [{ header: 'table' }, { header: 'rows', align: 'right' }, { header: 'oldest' }, { header: 'newest' }],
        tables.map((t) => [t.table, String(t.rows), formatTimestamp(t.oldest), formatTimestamp(t.newest)]),
      ),
    );
    write('\nruns\n');
    if (runs.length === 0) write('(none yet)\n');
    else
      write(
        formatTable(
          [
            { header: 'id', align: 'right' },
            { header: 'started' },
            { header: 'ended' },
            { header: 'mode' },
            { header: 'seed', align: 'right' },
          ],
          runs.map((r) => [
            String(r.id),
            formatTimestamp(r.startedAt),
            formatTimestamp(r.endedAt),
            r.mode,
            r.seed === null ? '-' : String(r.seed),
          ]),
        ),
      );
    return 0;
  } finally {
    await connection.close();
  }
}

// ---- cleanup --------------------------------------------------------------------------------------

const CLEANUP_LABELS: Readonly<Record<CleanupKind, string>> = {
  events: 'events',
  equity_points: 'equity points',
  bar_cache: 'cached bars',
  fills: 'fills',
  orders: 'orders',
  regime_features: 'detector bars of replaced portfolios',
};

async function cleanup(args: readonly string[]): Promise<number> {
  const flags = parseFlags(commandAt('maintenance', 'cleanup'), args);
  const olderThan = flags.values.get('--older-than');
  if (olderThan === undefined) throw new UsageError('maintenance cleanup needs --older-than, like --older-than 30d');
  const days = parsePeriodDays('--older-than', olderThan);
  const dryRun = flags.switches.has('--dry-run');
  const includeTrades = flags.switches.has('--include-trades');
  if (dryRun && flags.switches.has('--vacuum'))
    throw new UsageError('--vacuum cannot go with --dry-run (a dry run changes nothing)');
  const path = resolveDatabasePath(dbFlag(flags));
  // openStore would create a missing file; a cleanup has nothing to do there.
  if (!existsSync(path)) throw new StoreError(`no database at ${path} (give --db)`);
  const bot = flags.switches.has('--vacuum') ? runningBot(path) : null;
  if (bot !== null) {
    throw new StoreError(
      `a bot (pid ${bot}) is trading on ${path}: --vacuum rewrites the whole file under a write lock and would hold it up; run without --vacuum (space is still reclaimed incrementally)`,
    );
  }
  const cutoff = Date.now() - days * DAY_MS;
  const options = { cutoff, includeTrades };
  const before = databaseFileSizes(path);
  const connection = await openStore(path, { readonly: dryRun });
  let counts: CleanupCounts;
  try {
    counts = dryRun ? await countCleanup(connection, options) : await runCleanup(connection, options);
    if (!dryRun) await reclaimSpace(connection, flags.switches.has('--vacuum'));
  } catch (error) {
    if (error instanceof StoreError) throw error;
    throw new StoreError(`cleanup of ${path} stopped: ${describeSqliteError(error)}`);
  } finally {
    await connection.close();
  }
  write(
    `${dryRun ? 'would delete (dry run)' : 'deleted'}: rows dated before ${formatTimestamp(cutoff)} (older than ${olderThan.trim()}) in ${path}\n`,
  );
  const rows = (Object.keys(CLEANUP_LABELS) as CleanupKind[]).map((kind) => {
    const kept = !includeTrades && (kind === 'fills' || kind === 'orders');
    return [CLEANUP_LABELS[kind], kept ? 'kept' : String(counts[kind])];
  });
  write(formatTable([{ header: 'what' }, { header: 'rows', align: 'right' }], rows));
  if (!includeTrades) write('fills and orders are kept unless --include-trades\n');
  write(
    'kept always: checkpoints, runs, working orders, and the equity points a restart loads (the newest --equity-points of each saved portfolio)\n',
  );
  if (dryRun) write(`size: ${sizeText(before)}\n`);
  else write(`size: ${sizeText(before)} before, ${sizeText(databaseFileSizes(path))} after\n`);
  return 0;
}

// ---- check ----------------------------------------------------------------------------------------

async function check(args: readonly string[]): Promise<number> {
  const flags = parseFlags(commandAt('maintenance', 'check'), args);
  const path = resolveDatabasePath(dbFlag(flags));
  if (!existsSync(path)) throw new StoreError(`no database at ${path} (give --db)`);
  // Opened directly, not through openStore: a damaged or outdated file must be reported, not refused.
  let connection: SqliteConnection;
  try {
    connection = await openReadOnly(path);
  } catch (error) {
    throw new StoreError(`cannot open ${path}: ${describeSqliteError(error)}`);
  }
  try {
    // Another program's database is refused, as everywhere; a damaged one (unreadable schema) is checked.
    await identifyDatabase(connection, path).catch((error: unknown) => {
      if (error instanceof StoreError) throw error;
    });
    const items = await checkHealth(connection);
    const rows = [['database', path], ...items.map((item) => [item.name, item.detail])];
    rows.splice(3, 0, ['wal', formatBytes(databaseFileSizes(path).wal)]);
    write(formatTable([{ header: 'check' }, { header: 'result' }], rows));
    const failed = items.filter((item) => !item.healthy).map((item) => item.name);
    write(failed.length === 0 ? 'healthy\n' : `unhealthy: ${failed.join(', ')}\n`);
    return failed.length === 0 ? 0 : 1;
  } finally {
    await connection.close().catch(() => undefined);
  }
}
