/** A database filled by hand, as the bot would write it, for the `watch` tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Checkpoint } from '../../src/engine/checkpoint.js';
import type { EngineEventKind } from '../../src/engine/snapshot.js';
import type { RegimeName } from '../../src/core/regime-types.js';
import { openStore } from '../../src/store/open-store.js';
import type { SqliteConnection } from '../../src/store/sqlite-connection.js';

export const T0 = Date.UTC(2025, 2, 4, 14, 30);
export const MINUTE = 60_000;

export function makeCheckpoint(overrides: Partial<Checkpoint> = {}): Checkpoint {
  return {
    iteration: 1,
    marketTime: T0,
    cash: 50_000,
    realizedPnl: 125.5,
    positions: [
      { symbol: 'AAPL', qty: 100, avgPrice: 180, lastPrice: 190 },
      { symbol: 'MSFT', qty: 50, avgPrice: 400, lastPrice: 390 },
    ],
    workingOrders: [],
    regime: { current: 'trend-up', since: T0 - 30 * MINUTE, bars: 30 },
    peakEquity: 100_000,
    maxDrawdown: 0.031,
    trades: 7,
    risk: { day: 0, dayStartEquity: 100_000, haltReason: null },
    market: { kind: 'sim', seed: 1, barCount: 100, timeframe: '1Min', symbols: ['AAPL', 'MSFT'] },
    ...overrides,
  };
}

export interface IterationRows {
  readonly iteration: number;
  readonly equity?: number;
  readonly events?: readonly { kind: EngineEventKind; message: string }[];
  readonly regimeChange?: { from: RegimeName; to: RegimeName; confidence: number };
  readonly checkpoint?: Partial<Checkpoint>;
  /** `checkpoints.saved_at`; the iteration's market time unless given. */
  readonly savedAt?: number;
}

/** The writer's side: a read-write connection and one run of one portfolio. */
export class WatchDatabase {
  private constructor(
    readonly dir: string,
    readonly path: string,
    readonly writer: SqliteConnection,
    readonly runId: number,
    readonly portfolioId: number,
  ) {}

  static async create(
    runOptions: Record<string, unknown> = { intervalMs: 60_000, iterations: null },
  ): Promise<WatchDatabase> {
    const dir = mkdtempSync(join(tmpdir(), 'trading-tui-watch-'));
    const path = join(dir, 'trading.db');
    const writer = await openStore(path);
    const portfolio = await writer.run('INSERT INTO portfolios (created_at, starting_cash) VALUES (?, ?)', [
      T0,
      100_000,
    ]);
    const run = await writer.run(
      "INSERT INTO runs (portfolio_id, started_at, mode, seed, options, version) VALUES (?, ?, 'SIM', 1, ?, '0.1.0')",
      [portfolio.lastId, T0, JSON.stringify(runOptions)],
    );
    return new WatchDatabase(dir, path, writer, run.lastId, portfolio.lastId);
  }

  /** The rows of one iteration, without a transaction of their own (the caller may hold one). */
  async insertIteration(rows: IterationRows): Promise<void> {
    const time = T0 + rows.iteration * MINUTE;
    const w = this.writer;
    const checkpoint = makeCheckpoint({ iteration: rows.iteration, marketTime: time, ...rows.checkpoint });
    await w.run('INSERT INTO equity_points (run_id, iteration, time, equity, cash, regime) VALUES (?, ?, ?, ?, ?, ?)', [
      this.runId,
      rows.iteration,
      time,
      rows.equity ?? 100_000 + rows.iteration,
      checkpoint.cash,
      checkpoint.regime.current,
    ]);
    for (const event of rows.events ?? []) {
      await w.run('INSERT INTO events (run_id, time, kind, message) VALUES (?, ?, ?, ?)', [
        this.runId,
        time,
        event.kind,
        event.message,
      ]);
    }
    if (rows.regimeChange !== undefined) {
      const { from, to, confidence } = rows.regimeChange;
      await w.run(
        'INSERT INTO regime_changes (run_id, time, from_regime, to_regime, confidence) VALUES (?, ?, ?, ?, ?)',
        [this.runId, time, from, to, confidence],
      );
    }
    await w.run(
      `INSERT INTO checkpoints (portfolio_id, run_id, iteration, saved_at, state) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (portfolio_id) DO UPDATE SET run_id = excluded.run_id, iteration = excluded.iteration, saved_at = excluded.saved_at, state = excluded.state`,
      [this.portfolioId, this.runId, rows.iteration, rows.savedAt ?? time, JSON.stringify(checkpoint)],
    );
  }

  /** One committed iteration, as the bot writes it. */
  writeIteration(rows: IterationRows): Promise<void> {
    return this.writer.transaction(() => this.insertIteration(rows));
  }

  /** Many iterations in one transaction (fast set-up). */
  writeIterations(
    from: number,
    to: number,
    rows: (iteration: number) => Omit<IterationRows, 'iteration'> = () => ({}),
  ): Promise<void> {
    return this.writer.transaction(async () => {
      for (let i = from; i <= to; i++) await this.insertIteration({ iteration: i, ...rows(i) });
    });
  }

  async close(): Promise<void> {
    await this.writer.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
