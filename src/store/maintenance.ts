/** What `trading-tui maintenance` does to the database: stats, cleanup of old rows, and a health check. */
import { statSync } from 'node:fs';
import { formatCount } from '../core/plural.js';
import { DEFAULT_EQUITY_POINTS } from '../core/limits.js';
import { readRunOptions } from './run-options.js';
import { SCHEMA_VERSION } from './schema.js';
import { runningBot } from './run-lock.js';
import type { SqlValue, SqliteConnection } from './sqlite-connection.js';

// ---- Stats ----------------------------------------------------------------------------------------

export interface FileSizes {
  readonly main: number;
  readonly wal: number;
}

const fileSize = (path: string): number => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

export function databaseFileSizes(path: string): FileSizes {
  return { main: fileSize(path), wal: fileSize(`${path}-wal`) };
}

/**
 * Every table, with the column that dates its rows (indexed where the table can grow large), or null for
 * a table whose rows carry no time (the regime detector's held bars, bounded by the detector).
 */
export const TABLE_TIMES: readonly { readonly table: string; readonly timeColumn: string | null }[] = [
  { table: 'portfolios', timeColumn: 'created_at' },
  { table: 'runs', timeColumn: 'started_at' },
  { table: 'events', timeColumn: 'time' },
  { table: 'equity_points', timeColumn: 'time' },
  { table: 'orders', timeColumn: 'time' },
  { table: 'fills', timeColumn: 'time' },
  { table: 'regime_changes', timeColumn: 'time' },
  { table: 'bar_cache', timeColumn: 'fetched_at' },
  { table: 'checkpoints', timeColumn: 'saved_at' },
  { table: 'profiles', timeColumn: 'created_at' },
  { table: 'regime_models', timeColumn: 'time' },
  { table: 'regime_features', timeColumn: null },
];

export interface TableStats {
  readonly table: string;
  readonly rows: number;
  /** Dated by TABLE_TIMES' column; null when the table is empty or its rows carry no time. */
  readonly oldest: number | null;
  readonly newest: number | null;
}

export async function tableStats(connection: SqliteConnection): Promise<TableStats[]> {
  const stats: TableStats[] = [];
  for (const { table, timeColumn } of TABLE_TIMES) {
    const dates =
      timeColumn === null
        ? 'NULL AS oldest, NULL AS newest'
        : `min(${timeColumn}) AS oldest, max(${timeColumn}) AS newest`;
    const row = await connection.get<{ rows: number; oldest: number | null; newest: number | null }>(
      `SELECT count(*) AS rows, ${dates} FROM ${table}`,
    );
    stats.push({ table, rows: row?.rows ?? 0, oldest: row?.oldest ?? null, newest: row?.newest ?? null });
  }
  return stats;
}

export interface RunInfo {
  readonly id: number;
  readonly startedAt: number;
  readonly endedAt: number | null;
  readonly mode: string;
  readonly seed: number | null;
}

/** Streams the runs, oldest first. */
export function eachRun(connection: SqliteConnection, onRun: (run: RunInfo) => void): Promise<number> {
  return connection.each<{
    id: number;
    started_at: number;
    ended_at: number | null;
    mode: string;
    seed: number | null;
  }>('SELECT id, started_at, ended_at, mode, seed FROM runs ORDER BY id', [], (row) =>
    onRun({ id: row.id, startedAt: row.started_at, endedAt: row.ended_at, mode: row.mode, seed: row.seed }),
  );
}

// ---- Cleanup --------------------------------------------------------------------------------------

export const CLEANUP_BATCH_ROWS = 5000;

export interface CleanupOptions {
  /** Rows dated before this (epoch ms) go. */
  readonly cutoff: number;
  /** Also fills, and orders that are no longer working. */
  readonly includeTrades: boolean;
  readonly batchRows?: number;
}

export type CleanupKind = 'events' | 'equity_points' | 'bar_cache' | 'fills' | 'orders' | 'regime_features';

export type CleanupCounts = Readonly<Record<CleanupKind, number>>;

interface CleanupTarget {
  readonly kind: CleanupKind;
  /** The primary key, as a row value for the batched `key IN (SELECT key … LIMIT n)`. */
  readonly key: string;
  readonly where: string;
  readonly params: readonly SqlValue[];
}

/**
 * The equity points a restart loads: of each saved portfolio (across its runs, as resume reads them)
 * and of the newest run's portfolio, the newest `--equity-points` (the largest any of its runs used,
 * at least the default).
 */
async function protectedEquityRanges(
  connection: SqliteConnection,
): Promise<{ runId: number; fromIteration: number }[]> {
  const portfolios = await connection.all<{ id: number }>(
    `SELECT portfolio_id AS id FROM checkpoints
     UNION SELECT portfolio_id AS id FROM (SELECT portfolio_id FROM runs ORDER BY started_at DESC, id DESC LIMIT 1)`,
  );
  const ranges: { runId: number; fromIteration: number }[] = [];
  for (const { id } of portfolios) {
    const runs = await connection.all<{ id: number; points: number; options: string }>(
      'SELECT id, options, (SELECT count(*) FROM equity_points WHERE run_id = runs.id) AS points FROM runs WHERE portfolio_id = ? ORDER BY id DESC',
      [id],
    );
    let remaining = runs.reduce(
      (most, run) => Math.max(most, readRunOptions(run.options).equityPoints),
      DEFAULT_EQUITY_POINTS,
    );
    for (const run of runs) {
      if (remaining <= 0) break;
      if (run.points <= remaining) {
        ranges.push({ runId: run.id, fromIteration: Number.MIN_SAFE_INTEGER });
      } else {
        const boundary = await connection.get<{ iteration: number }>(
          'SELECT iteration FROM equity_points WHERE run_id = ? ORDER BY iteration DESC LIMIT 1 OFFSET ?',
          [run.id, remaining - 1],
        );
        ranges.push({ runId: run.id, fromIteration: boundary?.iteration ?? Number.MIN_SAFE_INTEGER });
      }
      remaining -= run.points;
    }
  }
  return ranges;
}

/**
 * Rows are aged by when they were recorded (the wall clock), never by their market time: a simulated
 * run recorded today trades in 2025. Rows from before recorded_at existed are dated by their run's
 * end (or start, while it runs).
 */
const RECORDED_BEFORE =
  '(recorded_at < ? OR (recorded_at IS NULL AND run_id IN (SELECT id FROM runs WHERE coalesce(ended_at, started_at) < ?)))';

async function cleanupTargets(connection: SqliteConnection, options: CleanupOptions): Promise<CleanupTarget[]> {
  const { cutoff } = options;
  const ranges = await protectedEquityRanges(connection);
  const keep = ranges.map(() => ' AND NOT (run_id = ? AND iteration >= ?)').join('');
  const targets: CleanupTarget[] = [
    { kind: 'events', key: 'id', where: RECORDED_BEFORE, params: [cutoff, cutoff] },
    {
      kind: 'equity_points',
      key: '(run_id, iteration)',
      where: `${RECORDED_BEFORE}${keep}`,
      params: [cutoff, cutoff, ...ranges.flatMap((r) => [r.runId, r.fromIteration])],
    },
    { kind: 'bar_cache', key: '(source, symbol, timeframe, time)', where: 'fetched_at < ?', params: [cutoff] },
    // Only the newest portfolio is ever resumed, so the detector bars of older ones (left by --fresh) are
    // never read again, whatever their age.
    {
      kind: 'regime_features',
      key: '(portfolio_id, bar)',
      where: 'portfolio_id <> (SELECT max(id) FROM portfolios)',
      params: [],
    },
  ];
  if (options.includeTrades) {
    targets.push({ kind: 'fills', key: 'id', where: RECORDED_BEFORE, params: [cutoff, cutoff] });
    // An order a kept (newer) fill points at stays, or the fill's reference would dangle.
    targets.push({
      kind: 'orders',
      key: 'id',
      where: `${RECORDED_BEFORE} AND status <> 'working' AND id NOT IN (SELECT order_id FROM fills WHERE NOT ${RECORDED_BEFORE} AND order_id IS NOT NULL)`,
      params: [cutoff, cutoff, cutoff, cutoff],
    });
  }
  return targets;
}

const emptyCounts = (): Record<CleanupKind, number> => ({
  events: 0,
  equity_points: 0,
  bar_cache: 0,
  fills: 0,
  orders: 0,
  regime_features: 0,
});

/** What a cleanup would delete (only reads: for --dry-run). */
export async function countCleanup(connection: SqliteConnection, options: CleanupOptions): Promise<CleanupCounts> {
  const counts = emptyCounts();
  for (const target of await cleanupTargets(connection, options)) {
    const table = target.kind;
    const row = await connection.get<{ n: number }>(
      `SELECT count(*) AS n FROM ${table} WHERE ${target.where}`,
      target.params,
    );
    counts[target.kind] = row?.n ?? 0;
  }
  return counts;
}

/**
 * Deletes in batches, each its own short write transaction, yielding between them: a bot writing to
 * the same file waits for one batch at most, never for the whole cleanup.
 */
export async function runCleanup(connection: SqliteConnection, options: CleanupOptions): Promise<CleanupCounts> {
  const batch = options.batchRows ?? CLEANUP_BATCH_ROWS;
  const counts = emptyCounts();
  for (const target of await cleanupTargets(connection, options)) {
    const table = target.kind;
    const sql = `DELETE FROM ${table} WHERE ${target.key} IN (SELECT ${target.key.replace(/[()]/g, '')} FROM ${table} WHERE ${target.where} LIMIT ?)`;
    for (;;) {
      const { changes } = await connection.run(sql, [...target.params, batch]);
      counts[target.kind] += changes;
      if (changes < batch) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return counts;
}

/**
 * Gives freed pages back to the file system: `PRAGMA incremental_vacuum` (the file is created with
 * auto_vacuum=INCREMENTAL), or a full VACUUM, which rewrites the file and holds the write lock while
 * it does. Then a checkpoint moves the WAL into the file (which is what shrinks it) and empties the WAL.
 */
export async function reclaimSpace(connection: SqliteConnection, full: boolean): Promise<void> {
  await connection.exec(full ? 'VACUUM' : 'PRAGMA incremental_vacuum');
  // With a bot writing, a TRUNCATE checkpoint would wait on it; a passive one never blocks anyone.
  await connection.get(`PRAGMA wal_checkpoint(${runningBot(connection.path) === null ? 'TRUNCATE' : 'PASSIVE'})`);
}

// ---- Check ----------------------------------------------------------------------------------------

export interface HealthCheckItem {
  readonly name: 'integrity' | 'schema' | 'foreign keys';
  readonly healthy: boolean;
  /** One line, or the first lines of a long finding. */
  readonly detail: string;
}

const INTEGRITY_LINES_SHOWN = 5;

/** Runs every check, catching SQLite's errors (a corrupt file fails a query) as findings. */
export async function checkHealth(connection: SqliteConnection): Promise<HealthCheckItem[]> {
  const attempt = async (
    name: HealthCheckItem['name'],
    work: () => Promise<HealthCheckItem>,
  ): Promise<HealthCheckItem> => {
    try {
      return await work();
    } catch (error) {
      // SQLite's own words here: describeSqliteError would send the user back to this very check.
      return {
        name,
        healthy: false,
        detail: `failed: ${String(error instanceof Error ? error.message : error).replace(/^Error: /, '')}`,
      };
    }
  };
  const items: HealthCheckItem[] = [];
  items.push(
    await attempt('integrity', async () => {
      const rows = await connection.all<{ integrity_check: string }>(
        `PRAGMA integrity_check(${INTEGRITY_LINES_SHOWN + 1})`,
      );
      const lines = rows.map((r) => r.integrity_check);
      if (lines.length === 1 && lines[0] === 'ok') return { name: 'integrity', healthy: true, detail: 'ok' };
      const shown = lines.slice(0, INTEGRITY_LINES_SHOWN).join('; ');
      return {
        name: 'integrity',
        healthy: false,
        detail: `${lines.length > INTEGRITY_LINES_SHOWN ? 'more than ' : ''}${formatCount(Math.min(lines.length, INTEGRITY_LINES_SHOWN), 'problem')}: ${shown}`,
      };
    }),
  );
  items.push(
    await attempt('schema', async () => {
      const version = (await connection.get<{ user_version: number }>('PRAGMA user_version'))?.user_version ?? 0;
      if (version === SCHEMA_VERSION) return { name: 'schema', healthy: true, detail: `version ${version} (current)` };
      if (version > SCHEMA_VERSION)
        return {
          name: 'schema',
          healthy: false,
          detail: `version ${version}, newer than this trading-tui knows (${SCHEMA_VERSION}): upgrade trading-tui`,
        };
      // An older schema is not damage: the bot migrates it when it next opens the file.
      return {
        name: 'schema',
        healthy: true,
        detail: `version ${version} of ${SCHEMA_VERSION} (the bot upgrades it at its next start)`,
      };
    }),
  );
  items.push(
    await attempt('foreign keys', async () => {
      const rows = await connection.all<{ table: string; parent: string }>('PRAGMA foreign_key_check');
      if (rows.length === 0) return { name: 'foreign keys', healthy: true, detail: 'ok' };
      const byTable = new Map<string, number>();
      for (const row of rows)
        byTable.set(`${row.table} → ${row.parent}`, (byTable.get(`${row.table} → ${row.parent}`) ?? 0) + 1);
      const detail = [...byTable].map(([link, n]) => `${n} in ${link}`).join(', ');
      return {
        name: 'foreign keys',
        healthy: false,
        detail: `${formatCount(rows.length, 'dangling reference')}: ${detail}`,
      };
    }),
  );
  return items;
}
