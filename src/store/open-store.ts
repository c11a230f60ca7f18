/** Finding, checking, opening and migrating the database file. */
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js';
import { SqliteConnection } from './sqlite-connection.js';

import { StoreError, describeSqliteError } from './store-error.js';

export { StoreError, describeSqliteError } from './store-error.js';

/** `--db`, else `TRADING_TUI_DB`, else `$XDG_DATA_HOME/trading-tui/trading.db`, else `~/.local/share/…`. */
export function resolveDatabasePath(flag: string | null, env: NodeJS.ProcessEnv = process.env): string {
  if (flag !== null) return flag;
  if (env.TRADING_TUI_DB) return env.TRADING_TUI_DB;
  const dataHome = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(dataHome, 'trading-tui', 'trading.db');
}

const SQLITE_HEADER = 'SQLite format 3\0';

/** Refuses a file that exists, is not empty, and is not a SQLite database, without touching it. */
function checkIsSqliteFile(path: string): boolean {
  let size: number;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw new StoreError(`${path} is a folder, not a database file`);
    size = stat.size;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    if (error instanceof StoreError) throw error;
    throw new StoreError(`cannot read ${path}: ${(error as Error).message}`);
  }
  if (size === 0) return true;
  const header = Buffer.alloc(16);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    readSync(fd, header, 0, 16, 0);
  } catch (error) {
    throw new StoreError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (header.toString('latin1') !== SQLITE_HEADER)
    throw new StoreError(`${path} is not a SQLite database; refusing to touch it (pick another file with --db)`);
  return true;
}

/** `PRAGMA application_id` of trading-tui's databases ("TTUI"): another program's file is never touched. */
export const APPLICATION_ID = 0x54545549;

/** Tables of the schema, and the columns that tell a database written before the application id. */
const OUR_TABLES = new Set([
  'portfolios',
  'runs',
  'events',
  'equity_points',
  'orders',
  'fills',
  'regime_changes',
  'bar_cache',
  'checkpoints',
  'profiles',
  'regime_models',
  'regime_features',
]);
const SIGNATURE_COLUMNS: Readonly<Record<string, string>> = {
  runs: 'id,portfolio_id,started_at,ended_at,mode,seed,options,version',
  checkpoints: 'portfolio_id,run_id,iteration,saved_at,state',
};

/** What a SQLite file is to us: new (empty), ours (marked, or written by us before the mark), or refused. */
export type DatabaseKind = 'new' | 'ours' | 'ours-unmarked';

/**
 * Tells our databases from any other SQLite file by reading only (nothing is written). Throws a
 * StoreError that names the file for another program's database.
 */
export async function identifyDatabase(connection: SqliteConnection, path: string): Promise<DatabaseKind> {
  const id = (await connection.get<{ application_id: number }>('PRAGMA application_id'))?.application_id ?? 0;
  if (id === APPLICATION_ID) return 'ours';
  const refuse = (why: string): StoreError =>
    new StoreError(
      `${path} is another program's SQLite database (${why}); refusing to touch it (pick another file with --db)`,
    );
  if (id !== 0) throw refuse(`application id 0x${(id >>> 0).toString(16)}`);
  const tables = await connection.all<{ name: string }>(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
  );
  const version = (await connection.get<{ user_version: number }>('PRAGMA user_version'))?.user_version ?? 0;
  if (tables.length === 0 && version === 0) return 'new';
  const stranger = tables.find((t) => !OUR_TABLES.has(t.name));
  if (stranger !== undefined) throw refuse(`it has a table ${stranger.name}`);
  for (const [table, columns] of Object.entries(SIGNATURE_COLUMNS)) {
    const found = await connection.all<{ name: string }>(`SELECT name FROM pragma_table_info('${table}') ORDER BY cid`);
    if (found.map((c) => c.name).join(',') !== columns) throw refuse(`its table ${table} is not trading-tui's`);
  }
  return 'ours-unmarked';
}

/**
 * Opens for reading only, never writing anything. A file the user may only read, in a folder they may
 * not write, cannot get the WAL index SQLite wants; when no WAL file is there (no bot is writing it)
 * it is read as immutable instead.
 */
export async function openReadOnly(path: string): Promise<SqliteConnection> {
  const connection = await SqliteConnection.open(path, { readonly: true });
  try {
    await connection.get('SELECT count(*) FROM sqlite_master');
    return connection;
  } catch (error) {
    await connection.close().catch(() => undefined);
    if (!/SQLITE_READONLY|SQLITE_CANTOPEN/.test(String(error)) || existsSync(`${path}-wal`)) throw error;
    return SqliteConnection.open(path, { readonly: true, immutable: true });
  }
}

export interface OpenStoreOptions {
  /** Read-only: for `watch` and `maintenance stats`, which must never take a write lock. */
  readonly readonly?: boolean;
}

/** Opens (creating and migrating when needed) the database; throws StoreError with one line on trouble. */
export async function openStore(path: string, options: OpenStoreOptions = {}): Promise<SqliteConnection> {
  const exists = checkIsSqliteFile(path);
  if (!exists && options.readonly) throw new StoreError(`no database at ${path} (start the bot first, or give --db)`);
  if (!exists) {
    try {
      makeFolders(dirname(path));
    } catch (error) {
      throw new StoreError(`cannot create the folder for ${path}: ${describeFileError(error)}`);
    }
  }
  let connection: SqliteConnection;
  try {
    connection = options.readonly
      ? await openReadOnly(path)
      : await SqliteConnection.open(path, {
          onOpen: async (c) => {
            await c.exec('PRAGMA foreign_keys = ON');
          },
        });
  } catch (error) {
    throw new StoreError(`cannot open ${path}: ${describeSqliteError(error)}`);
  }
  try {
    // Read before anything is written: another program's file is refused byte for byte untouched.
    const kind = await identifyDatabase(connection, path);
    const version = (await connection.get<{ user_version: number }>('PRAGMA user_version'))?.user_version ?? 0;
    if (version > SCHEMA_VERSION) {
      throw new StoreError(
        `${path} was written by a newer trading-tui (schema ${version}; this version knows up to ${SCHEMA_VERSION}); upgrade trading-tui`,
      );
    }
    if (options.readonly) {
      if (version < SCHEMA_VERSION)
        throw new StoreError(`${path} has an older schema (${version}); start the bot once to upgrade it`);
      return connection;
    }
    if (kind === 'new') await connection.exec('PRAGMA auto_vacuum = INCREMENTAL');
    if (kind !== 'ours') await connection.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
    await connection.get('PRAGMA journal_mode = WAL');
    await connection.exec('PRAGMA synchronous = NORMAL');
    await migrate(connection, version);
    return connection;
  } catch (error) {
    await connection.close().catch(() => undefined);
    if (error instanceof StoreError) throw error;
    throw new StoreError(`cannot use ${path}: ${describeSqliteError(error)}`);
  }
}

async function migrate(connection: SqliteConnection, from: number): Promise<void> {
  for (let version = from; version < MIGRATIONS.length; version++) {
    await connection
      .exec(`BEGIN IMMEDIATE; ${MIGRATIONS[version]} PRAGMA user_version = ${version + 1}; COMMIT;`)
      .catch(async (error: unknown) => {
        await connection.exec('ROLLBACK').catch(() => undefined);
        throw error;
      });
  }
}

/** Folders deeper than this are not created (a path that never ends is a mistake). */
const MAX_NEW_FOLDERS = 32;

/**
 * Creates the missing folders of `folder`, one level at a time, each tried once (mode 0700).
 * Not mkdirSync's recursive mode: on some file systems (/proc) it retries forever.
 */
function makeFolders(folder: string): void {
  const missing: string[] = [];
  for (let current = folder; ; current = dirname(current)) {
    let isFolder: boolean;
    try {
      isFolder = statSync(current).isDirectory();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      missing.push(current);
      if (dirname(current) === current || missing.length > MAX_NEW_FOLDERS)
        throw Object.assign(new Error(`more than ${MAX_NEW_FOLDERS} folders to create`), { code: 'ETOODEEP' });
      continue;
    }
    if (!isFolder) throw Object.assign(new Error(`${current} is not a folder`), { code: 'ENOTDIR' });
    break;
  }
  for (const dir of missing.reverse()) mkdirSync(dir, { mode: 0o700 });
}

const FILE_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such folder, and it cannot be created there',
  ETOODEEP: `more than ${MAX_NEW_FOLDERS} folders would have to be created`,
  ENOTDIR: 'a part of the path is a file, not a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'the disk is full',
};

function describeFileError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return (code !== undefined ? FILE_ERRORS[code] : undefined) ?? (error as Error).message;
}
