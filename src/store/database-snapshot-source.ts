/**
 * EngineControls over a database another process is writing: `trading-tui watch`. Polls a read-only
 * connection, rebuilds the snapshot only when the bot committed something new, and never writes.
 */
import type { EngineControls } from '../engine/controls.js';
import type { EngineSnapshot, MemoryView } from '../engine/snapshot.js';
import { describeSqliteError } from './open-store.js';
import { readProcessMemory } from '../engine/process-memory.js';
import { readNewestRows } from './newest-rows.js';
import { readRunOptions } from './run-options.js';
import { emptyWatchSnapshot, snapshotFromRows, type RunRow } from './snapshot-from-rows.js';
import type { SqliteConnection } from './sqlite-connection.js';
import type { WatchStatus } from '../engine/watch-status.js';

export const DEFAULT_POLL_MS = 1000;

export interface DatabaseSnapshotSourceOptions {
  readonly pollMs?: number;
  readonly now?: () => number;
  readonly readMemory?: () => MemoryView;
}

interface CheckpointHead {
  readonly portfolio_id: number;
  readonly run_id: number;
  readonly iteration: number;
  readonly saved_at: number;
  readonly ended_at: number | null;
}

// Reads go through `each` (a statement prepared, run to the end and finalized per call), not the
// connection's cached statements: a cached statement whose prepare fails (SQLITE_BUSY while reading
// the schema) never calls back, and one left un-reset by `get` keeps a read transaction open, pinning
// the watcher to an old snapshot of the WAL. Preparing these few statements once a poll costs little.
const DATA_VERSION = 'PRAGMA data_version';
const HEAD = `SELECT c.portfolio_id, c.run_id, c.iteration, c.saved_at, r.ended_at
  FROM checkpoints c JOIN runs r ON r.id = c.run_id ORDER BY c.saved_at DESC LIMIT 1`;
const STATE = 'SELECT state FROM checkpoints WHERE portfolio_id = ?';
const STARTING_CASH = 'SELECT starting_cash FROM portfolios WHERE id = ?';
const RUN = 'SELECT mode, started_at, ended_at, options FROM runs WHERE id = ?';

const headKey = (head: CheckpointHead | undefined): string =>
  head === undefined
    ? 'none'
    : `${head.portfolio_id}/${head.run_id}/${head.iteration}/${head.saved_at}/${head.ended_at ?? ''}`;

export class DatabaseSnapshotSource implements EngineControls {
  /** Counters for tests: probes run every poll; reads only when the data changed. */
  readonly stats = { polls: 0, reads: 0, skipped: 0 };
  private readonly listeners = new Set<() => void>();
  private readonly pollMs: number;
  private readonly now: () => number;
  private readonly readMemory: () => MemoryView;
  private snapshot: EngineSnapshot;
  private status: WatchStatus;
  private dataVersion: number | null = null;
  private lastHeadKey: string | null = null;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private stopped = false;
  private closed = false;

  /** Takes ownership of `connection` (read-only): `close()` closes it. */
  constructor(
    private readonly connection: SqliteConnection,
    dbPath: string,
    options: DatabaseSnapshotSourceOptions = {},
  ) {
    this.pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    this.now = options.now ?? Date.now;
    this.readMemory = options.readMemory ?? readProcessMemory;
    this.snapshot = emptyWatchSnapshot({ stopped: false, memory: this.readMemory() });
    this.status = Object.freeze({ dbPath, lastWriteAt: 0, polledAt: 0, error: null });
  }

  getSnapshot(): EngineSnapshot {
    return this.snapshot;
  }

  getWatchStatus(): WatchStatus {
    return this.status;
  }

  subscribe(onChange: () => void): () => void {
    this.listeners.add(onChange);
    return () => {
      this.listeners.delete(onChange);
    };
  }

  /** Read-only: the bot cannot be paused from here. */
  togglePause(): void {}

  /** Read-only: the bot's downloads cannot be retried from here. */
  retryFailedDownloads(): void {}

  /** The bot keeps each symbol's recent prices in its memory, not in the database. */
  symbolHistory(): null {
    return null;
  }

  /** Read-only: the bot's positions cannot be closed from here. */
  closeAllPositions(): void {}

  /** Read-only: the bot's buys cannot be stopped from here. */
  toggleBuys(): void {}

  /** Stops polling; the phase becomes 'stopped' at once (the bot is not touched). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.snapshot = Object.freeze({ ...this.snapshot, phase: 'stopped' });
    this.notify();
  }

  /** Polls now, then every `pollMs` until stopped. */
  start(): void {
    if (this.stopped || this.timer !== undefined) return;
    const loop = (): void => {
      void this.poll().finally(() => {
        if (!this.stopped) this.timer = setTimeout(loop, this.pollMs);
      });
    };
    loop();
  }

  /** Stops, waits for a poll in flight, and closes the connection. */
  async close(): Promise<void> {
    this.stop();
    await this.polling;
    if (this.closed) return;
    this.closed = true;
    await this.connection.close();
  }

  /** One poll; overlapping calls share the one in flight. Never rejects: trouble goes to the status. */
  poll(): Promise<void> {
    this.polling ??= this.pollOnce().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  private async pollOnce(): Promise<void> {
    if (this.stopped) return;
    this.stats.polls++;
    let error: string | null = null;
    let lastWriteAt = this.status.lastWriteAt;
    let snapshot: EngineSnapshot | null = null;
    try {
      const version = (await this.rows<{ data_version: number }>(DATA_VERSION))[0]?.data_version ?? null;
      // data_version changes whenever another connection commits, so an unchanged one means nothing to read.
      if (version === null || version !== this.dataVersion) {
        ({ snapshot, lastWriteAt } = await this.readIfChanged());
        this.dataVersion = version;
      }
    } catch (thrown) {
      this.stats.skipped++;
      error = describePollError(thrown);
    }
    // Snapshot and status change together, so new data never shows with the age of the old. stop()
    // may have come during the read; its 'stopped' phase stays.
    if (snapshot !== null && !this.stopped) this.snapshot = snapshot;
    this.status = Object.freeze({ dbPath: this.status.dbPath, lastWriteAt, polledAt: this.now(), error });
    this.notify();
  }

  /**
   * Reads everything in one read transaction (a consistent view) when the newest checkpoint moved;
   * the snapshot is null when it did not.
   */
  private async readIfChanged(): Promise<{ snapshot: EngineSnapshot | null; lastWriteAt: number }> {
    await this.connection.exec('BEGIN');
    try {
      const head = (await this.rows<CheckpointHead>(HEAD))[0];
      const key = headKey(head);
      let snapshot: EngineSnapshot | null = null;
      if (key !== this.lastHeadKey) {
        this.stats.reads++;
        snapshot = head === undefined ? this.emptySnapshot() : await this.readSnapshot(head);
        this.lastHeadKey = key;
      }
      return { snapshot, lastWriteAt: head?.saved_at ?? 0 };
    } finally {
      await this.connection.exec('COMMIT').catch(() => this.connection.exec('ROLLBACK').catch(() => undefined));
    }
  }

  private emptySnapshot(): EngineSnapshot {
    return emptyWatchSnapshot({ stopped: this.stopped, memory: this.readMemory() });
  }

  private async readSnapshot(head: CheckpointHead): Promise<EngineSnapshot> {
    const portfolio = [head.portfolio_id];
    const state = await this.rows<{ state: string }>(STATE, portfolio);
    const cash = await this.rows<{ starting_cash: number }>(STARTING_CASH, portfolio);
    const run = await this.rows<RunRow>(RUN, [head.run_id]);
    // As many equity points as the bot holds (its --equity-points), as a restart would load them.
    const { equityPoints } = readRunOptions(run[0]?.options);
    const newest = await readNewestRows((sql, params) => this.rows(sql, params), head.portfolio_id, equityPoints);
    return snapshotFromRows(
      {
        checkpointState: state[0]?.state ?? '',
        startingCash: cash[0]?.starting_cash ?? 0,
        run: run[0],
        ...newest,
      },
      { stopped: this.stopped, memory: this.readMemory() },
    );
  }

  private async rows<T>(sql: string, params: readonly number[] = []): Promise<T[]> {
    const rows: T[] = [];
    await this.connection.each<T>(sql, params, (row) => rows.push(row));
    return rows;
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}

function describePollError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/SQLITE_BUSY|SQLITE_LOCKED/.test(message)) return 'database busy; poll skipped';
  return `poll failed: ${describeSqliteError(error)}`;
}
