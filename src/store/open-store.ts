/** Finding, checking, opening and migrating the database file. */
import { closeSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
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
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new StoreError(`cannot create the folder for ${path}: ${describeFileError(error)}`);
    }
  }
  let connection: SqliteConnection;
  try {
    connection = await SqliteConnection.open(path, {
      readonly: options.readonly ?? false,
      onOpen: async (c) => {
        if (!options.readonly) await c.exec('PRAGMA foreign_keys = ON');
      },
    });
  } catch (error) {
    throw new StoreError(`cannot open ${path}: ${describeSqliteError(error)}`);
  }
  try {
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
    if (version === 0) {
      const foreign = await connection.get<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' LIMIT 1",
      );
      if (foreign !== undefined)
        throw new StoreError(
          `${path} is another program's SQLite database (it has a table ${foreign.name}); refusing to touch it (pick another file with --db)`,
        );
      await connection.exec('PRAGMA auto_vacuum = INCREMENTAL');
    }
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

const FILE_ERRORS: Readonly<Record<string, string>> = {
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
