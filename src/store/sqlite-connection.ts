/**
 * One long-lived SQLite connection (package `sqlite3`) behind promises. Statements are prepared once
 * and reused. A statement that fails because the connection broke reopens it once and is retried;
 * the old handle is closed first, so connections never pile up.
 */
import { resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import sqlite3 from 'sqlite3';

export type SqlValue = string | number | bigint | null | Buffer;
export type SqlParams = readonly SqlValue[] | Readonly<Record<string, SqlValue>>;

export interface RunOutcome {
  readonly changes: number;
  readonly lastId: number;
}

export interface ConnectionOptions {
  readonly readonly?: boolean;
  /** Read-only, and nothing else can be changing the file (no locks, no WAL index): SQLite's immutable=1. */
  readonly immutable?: boolean;
  readonly busyTimeoutMs?: number;
  /** Runs after every (re)open, before any statement: pragmas. */
  readonly onOpen?: (connection: SqliteConnection) => Promise<void>;
}

/** Errors that mean the handle itself is unusable, not that the statement was wrong. */
const BROKEN_CONNECTION = /SQLITE_MISUSE: Database (is closed|handle is closed)|SQLITE_IOERR|SQLITE_CANTOPEN/;

export interface SqliteError extends Error {
  readonly code?: string;
  readonly errno?: number;
}

export class SqliteConnection {
  private handle: sqlite3.Database;
  /** Prepared statements by SQL text; a statement whose preparation failed is not kept. */
  private statements = new Map<string, Promise<sqlite3.Statement>>();
  private closed = false;
  /** Set inside transaction(): a reconnect there would run the rest in autocommit, so it is not tried. */
  private inTransaction = false;
  /** Counts reopenings, for tests and stats. */
  reopenCount = 0;
  /** Statements handed to SQLite (each a trip to its thread and back), for tests and stats. */
  statementCount = 0;

  private constructor(
    readonly path: string,
    private readonly options: ConnectionOptions,
    handle: sqlite3.Database,
  ) {
    this.handle = handle;
  }

  static async open(path: string, options: ConnectionOptions = {}): Promise<SqliteConnection> {
    const handle = await openHandle(path, options);
    const connection = new SqliteConnection(path, options, handle);
    try {
      await options.onOpen?.(connection);
    } catch (error) {
      await connection.close();
      throw error;
    }
    return connection;
  }

  run(sql: string, params: SqlParams = []): Promise<RunOutcome> {
    this.statementCount++;
    return this.withReconnect(async () => {
      const statement = await this.statement(sql);
      return new Promise<RunOutcome>((resolve, reject) => {
        statement.run(params, function (this: sqlite3.RunResult, error: Error | null) {
          if (error) reject(error);
          else resolve({ changes: this.changes, lastId: this.lastID });
        });
      });
    });
  }

  get<T>(sql: string, params: SqlParams = []): Promise<T | undefined> {
    this.statementCount++;
    return this.withReconnect(async () => {
      const statement = await this.statement(sql);
      return new Promise<T | undefined>((resolve, reject) => {
        statement.get(params, (error: Error | null, row: T | undefined) => {
          // A statement stopped after its first row keeps a read transaction open until it is reset.
          statement.reset(() => (error ? reject(error) : resolve(row)));
        });
      });
    });
  }

  all<T>(sql: string, params: SqlParams = []): Promise<T[]> {
    this.statementCount++;
    return this.withReconnect(async () => {
      const statement = await this.statement(sql);
      return new Promise<T[]>((resolve, reject) => {
        statement.all(params, (error: Error | null, rows: T[]) => {
          if (error) reject(error);
          else resolve(rows);
        });
      });
    });
  }

  /** Streams rows one at a time (never the whole result in memory); resolves with the row count. */
  each<T>(sql: string, params: SqlParams, onRow: (row: T) => void): Promise<number> {
    this.statementCount++;
    return new Promise<number>((resolve, reject) => {
      let failure: unknown = null;
      this.handle.each(
        sql,
        params,
        (error: Error | null, row: T) => {
          if (error || failure !== null) return;
          try {
            onRow(row);
          } catch (thrown) {
            failure = thrown;
          }
        },
        (error: Error | null, count: number) => {
          if (error) reject(error);
          else if (failure !== null) reject(failure);
          else resolve(count);
        },
      );
    });
  }

  /**
   * All rows in one call, from a statement prepared for this call only (a shared prepared statement
   * would run the calls of a round one after another).
   */
  allOnce<T>(sql: string, params: SqlParams): Promise<T[]> {
    this.statementCount++;
    return new Promise<T[]>((resolve, reject) => {
      this.handle.all(sql, params, (error: Error | null, rows: T[]) => (error ? reject(error) : resolve(rows)));
    });
  }

  /** Runs SQL text that may hold several statements (migrations, pragmas); not prepared. */
  exec(sql: string): Promise<void> {
    this.statementCount++;
    return this.withReconnect(
      () =>
        new Promise<void>((resolve, reject) => {
          this.handle.exec(sql, (error: Error | null) => (error ? reject(error) : resolve()));
        }),
    );
  }

  /** Runs `work` inside BEGIN IMMEDIATE … COMMIT; rolls back if it throws. */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    await this.exec('BEGIN IMMEDIATE');
    this.inTransaction = true;
    try {
      const result = await work();
      await this.exec('COMMIT');
      return result;
    } catch (error) {
      await this.exec('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      this.inTransaction = false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.closeHandle();
  }

  /** For tests: closes the handle under the connection, as a broken connection would be. */
  async breakForTest(): Promise<void> {
    await this.closeHandle();
  }

  private statement(sql: string): Promise<sqlite3.Statement> {
    let prepared = this.statements.get(sql);
    if (prepared === undefined) {
      prepared = new Promise<sqlite3.Statement>((resolve, reject) => {
        const statement = this.handle.prepare(sql, (error: Error | null) => {
          if (error) {
            this.statements.delete(sql);
            reject(error);
          } else resolve(statement);
        });
      });
      this.statements.set(sql, prepared);
    }
    return prepared;
  }

  private async withReconnect<T>(attempt: () => Promise<T>): Promise<T> {
    try {
      return await attempt();
    } catch (error) {
      if (this.closed || this.inTransaction || !BROKEN_CONNECTION.test(String((error as Error).message))) throw error;
      await this.reopen();
      return attempt();
    }
  }

  private async reopen(): Promise<void> {
    await this.closeHandle().catch(() => undefined);
    // Never created anew here: a file deleted under the connection must not come back empty.
    this.handle = await openHandle(this.path, this.options, false);
    this.reopenCount++;
    await this.options.onOpen?.(this);
  }

  private async closeHandle(): Promise<void> {
    const statements = [...this.statements.values()];
    this.statements = new Map();
    const prepared = await Promise.allSettled(statements);
    await Promise.all(
      prepared.map((p) =>
        p.status === 'fulfilled'
          ? new Promise<void>((resolve) => p.value.finalize(() => resolve()))
          : Promise.resolve(),
      ),
    );
    await new Promise<void>((resolve, reject) => {
      this.handle.close((error) => {
        if (error && !/SQLITE_MISUSE/.test(error.message)) reject(error);
        else resolve();
      });
    });
  }
}

function openHandle(path: string, options: ConnectionOptions, create = true): Promise<sqlite3.Database> {
  const mode = options.immutable
    ? sqlite3.OPEN_READONLY | sqlite3.OPEN_URI
    : options.readonly
      ? sqlite3.OPEN_READONLY
      : sqlite3.OPEN_READWRITE | (create ? sqlite3.OPEN_CREATE : 0);
  const name = options.immutable ? `${pathToFileURL(resolvePath(path)).href}?immutable=1` : path;
  return new Promise((resolve, reject) => {
    const handle = new sqlite3.Database(name, mode, (error) => {
      if (error) reject(error);
      else {
        handle.configure('busyTimeout', options.busyTimeoutMs ?? 5000);
        resolve(handle);
      }
    });
  });
}
