/** Builds test databases by hand: rows with chosen times (recorded at those times too), written through openStore like the bot's. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RegimeName } from '../../src/core/regime-types.js';
import type { Bar } from '../../src/core/model.js';
import { openStore } from '../../src/store/open-store.js';
import type { SqliteConnection } from '../../src/store/sqlite-connection.js';

/** A fresh, migrated database file in its own temporary folder. */
export async function createDatabase(): Promise<{
  path: string;
  connection: SqliteConnection;
  filler: DatabaseFiller;
}> {
  const path = join(mkdtempSync(join(tmpdir(), 'trading-tui-db-')), 'trading.db');
  const connection = await openStore(path);
  return { path, connection, filler: new DatabaseFiller(connection) };
}

export interface EquityPointRow {
  readonly iteration: number;
  readonly time: number;
  readonly equity: number;
  readonly regime: RegimeName;
  readonly cash?: number;
}

export interface FillRow {
  readonly time: number;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly qty: number;
  readonly price: number;
  readonly fee?: number;
  readonly regime: RegimeName;
  readonly orderId?: number | null;
}

export interface OrderRow {
  readonly time: number;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly qty: number;
  readonly status: 'working' | 'filled' | 'replaced' | 'cancelled';
}

export class DatabaseFiller {
  private orderSeq = 0;

  constructor(readonly connection: SqliteConnection) {}

  async portfolio(createdAt = 0, startingCash = 100_000): Promise<number> {
    return (
      await this.connection.run('INSERT INTO portfolios (created_at, starting_cash) VALUES (?, ?)', [
        createdAt,
        startingCash,
      ])
    ).lastId;
  }

  async run(
    portfolioId: number,
    startedAt: number,
    extra: { endedAt?: number | null; mode?: string; seed?: number | null; options?: Record<string, unknown> } = {},
  ): Promise<number> {
    const outcome = await this.connection.run(
      'INSERT INTO runs (portfolio_id, started_at, ended_at, mode, seed, options, version) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [
        portfolioId,
        startedAt,
        extra.endedAt ?? null,
        extra.mode ?? 'SIM',
        extra.seed === undefined ? 1 : extra.seed,
        JSON.stringify(extra.options ?? {}),
        'test',
      ],
    );
    return outcome.lastId;
  }

  async events(runId: number, times: readonly number[]): Promise<void> {
    await this.connection.transaction(async () => {
      for (const time of times)
        await this.connection.run(
          'INSERT INTO events (run_id, time, kind, message, recorded_at) VALUES (?, ?, ?, ?, ?)',
          [runId, time, 'info', 'test event', time],
        );
    });
  }

  async equityPoints(runId: number, points: readonly EquityPointRow[]): Promise<void> {
    await this.connection.transaction(async () => {
      for (const p of points) {
        await this.connection.run(
          'INSERT INTO equity_points (run_id, iteration, time, equity, cash, regime, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
          [runId, p.iteration, p.time, p.equity, p.cash ?? p.equity, p.regime, p.time],
        );
      }
    });
  }

  async order(runId: number, order: OrderRow): Promise<number> {
    const outcome = await this.connection.run(
      'INSERT INTO orders (run_id, client_order_id, time, symbol, side, qty, status, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [runId, `test-${++this.orderSeq}`, order.time, order.symbol, order.side, order.qty, order.status, order.time],
    );
    return outcome.lastId;
  }

  async fills(runId: number, fills: readonly FillRow[]): Promise<void> {
    await this.connection.transaction(async () => {
      for (const f of fills) {
        await this.connection.run(
          'INSERT INTO fills (run_id, order_id, time, symbol, side, qty, price, fee, regime, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
          [runId, f.orderId ?? null, f.time, f.symbol, f.side, f.qty, f.price, f.fee ?? 0, f.regime, f.time],
        );
      }
    });
  }

  async regimeChange(runId: number, time: number, from: RegimeName, to: RegimeName, confidence = 0.8): Promise<void> {
    await this.connection.run(
      'INSERT INTO regime_changes (run_id, time, from_regime, to_regime, confidence) VALUES (?, ?, ?, ?, ?)',
      [runId, time, from, to, confidence],
    );
  }

  async bars(
    source: string,
    symbol: string,
    timeframe: string,
    bars: readonly Bar[],
    fetchedAt: number,
  ): Promise<void> {
    await this.connection.transaction(async () => {
      for (const b of bars) {
        await this.connection.run(
          'INSERT INTO bar_cache (source, symbol, timeframe, time, open, high, low, close, volume, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
          [source, symbol, timeframe, b.time, b.open, b.high, b.low, b.close, b.volume, fetchedAt],
        );
      }
    });
  }

  async checkpoint(portfolioId: number, runId: number, iteration: number, savedAt: number): Promise<void> {
    await this.connection.run(
      'INSERT INTO checkpoints (portfolio_id, run_id, iteration, saved_at, state) VALUES (?, ?, ?, ?, ?)',
      [portfolioId, runId, iteration, savedAt, '{}'],
    );
  }
}
