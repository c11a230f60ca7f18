/**
 * Brings the record of orders and fills in line with the broker's account (Alpaca), at start and at
 * stop: fills made while the bot was down or after its last iteration are written, orders that ended
 * get their final state, so that positions rebuilt from the stored fills equal the account's. An
 * order of this bot's that never reached the record (a crash between its POST and its commit) is
 * recorded; an order placed outside the bot is adopted, with a notice, never silently.
 */
import type { RegimeName } from '../core/regime-types.js';
import type { OrderStatus } from '../engine/trading-record.js';
import type { SqliteConnection } from './sqlite-connection.js';

/** An order as the broker has it. */
export interface BrokerOrderState {
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  /** Null for a notional order. */
  readonly qty: number | null;
  readonly filledQty: number;
  readonly filledAvgPrice: number | null;
  /** The broker's status: new, accepted, partially_filled, filled, canceled, expired, rejected, ... */
  readonly status: string;
  readonly submittedAt?: number | null;
  readonly filledAt?: number | null;
}

/** Where the broker's orders are read from. */
export interface BrokerOrderHistory {
  /** Orders submitted after `after` (epoch ms), any status. */
  ordersSince(after: number): Promise<readonly BrokerOrderState[]>;
  /** One order by its client_order_id, or null when the broker has none. */
  orderByClientOrderId(clientOrderId: string): Promise<BrokerOrderState | null>;
}

/** An order of the record, with the quantity its stored fills add up to. */
export interface RecordedOrder {
  readonly clientOrderId: string;
  readonly status: OrderStatus;
  readonly filledQty: number;
}

export interface ReconciliationPlan {
  /** Orders the record lacks, with the status to store. */
  readonly newOrders: readonly {
    readonly order: BrokerOrderState;
    readonly status: OrderStatus;
    readonly time: number;
  }[];
  readonly statuses: readonly { readonly clientOrderId: string; readonly status: OrderStatus }[];
  readonly fills: readonly {
    readonly clientOrderId: string;
    readonly symbol: string;
    readonly side: 'buy' | 'sell';
    readonly qty: number;
    readonly price: number;
    readonly time: number;
  }[];
  readonly notices: readonly string[];
}

const ENDED_UNFILLED = new Set(['canceled', 'expired', 'rejected', 'done_for_day', 'stopped', 'suspended']);

/** The record's status for the broker's. */
function statusOf(order: BrokerOrderState): OrderStatus {
  if (order.status === 'filled') return 'filled';
  if (order.status === 'replaced') return 'replaced';
  if (ENDED_UNFILLED.has(order.status)) return order.filledQty > 0 ? 'filled' : 'cancelled';
  return 'working';
}

const describe = (o: BrokerOrderState): string => `${o.clientOrderId} (${o.side} ${o.qty ?? 'notional'} ${o.symbol})`;

/**
 * What to write so that the record agrees with the broker. `isOurs` tells this bot's client order ids
 * (the prefixes of its runs) from anyone else's; `now` dates fills the broker gives no time for.
 */
export function planReconciliation(
  recorded: ReadonlyMap<string, RecordedOrder>,
  broker: readonly BrokerOrderState[],
  isOurs: (clientOrderId: string) => boolean,
  now: number,
): ReconciliationPlan {
  const newOrders: ReconciliationPlan['newOrders'][number][] = [];
  const statuses: ReconciliationPlan['statuses'][number][] = [];
  const fills: ReconciliationPlan['fills'][number][] = [];
  const notices: string[] = [];
  for (const order of broker) {
    const known = recorded.get(order.clientOrderId);
    const status = statusOf(order);
    if (known === undefined) {
      // Nothing to keep of an order that ended without a fill and was never ours to record.
      if (order.filledQty <= 0 && status !== 'working') continue;
      newOrders.push({ order, status, time: order.submittedAt ?? now });
      notices.push(
        isOurs(order.clientOrderId)
          ? `order ${describe(order)} reached Alpaca but not the record (a crash before its commit); recorded now, ${order.status}`
          : `order ${describe(order)} was placed outside trading-tui; adopted into the record (${order.status}, ${order.filledQty} filled)`,
      );
    } else if (known.status !== status) {
      statuses.push({ clientOrderId: order.clientOrderId, status });
    }
    const missing = order.filledQty - (known?.filledQty ?? 0);
    if (missing > 0 && order.filledAvgPrice !== null && order.filledAvgPrice > 0) {
      fills.push({
        clientOrderId: order.clientOrderId,
        symbol: order.symbol,
        side: order.side,
        qty: missing,
        price: order.filledAvgPrice,
        time: order.filledAt ?? now,
      });
      if (known !== undefined)
        notices.push(
          `order ${describe(order)}: ${missing} filled at Alpaca while the bot was not taking fills; recorded`,
        );
    }
  }
  return { newOrders, statuses, fills, notices };
}

const PORTFOLIO_RUNS = 'SELECT id FROM runs WHERE portfolio_id = ?';

/** The record's orders (working ones, and any of `clientOrderIds`) with what their fills add up to. */
async function recordedOrders(
  connection: SqliteConnection,
  portfolioId: number,
  clientOrderIds: readonly string[],
): Promise<Map<string, RecordedOrder>> {
  const result = new Map<string, RecordedOrder>();
  const add = (row: { client_order_id: string; status: OrderStatus; filled: number | null }): void => {
    result.set(row.client_order_id, {
      clientOrderId: row.client_order_id,
      status: row.status,
      filledQty: row.filled ?? 0,
    });
  };
  const select = `SELECT o.client_order_id, o.status, (SELECT sum(qty) FROM fills f WHERE f.order_id = o.id) AS filled
    FROM orders o`;
  for (const row of await connection.all<{ client_order_id: string; status: OrderStatus; filled: number | null }>(
    `${select} WHERE o.status = 'working' AND o.run_id IN (${PORTFOLIO_RUNS})`,
    [portfolioId],
  ))
    add(row);
  for (const id of clientOrderIds) {
    if (result.has(id)) continue;
    const row = await connection.get<{ client_order_id: string; status: OrderStatus; filled: number | null }>(
      `${select} WHERE o.client_order_id = ?`,
      [id],
    );
    if (row !== undefined) add(row);
  }
  return result;
}

/** Order id prefixes of the portfolio's runs (kept in each run's options). */
async function runPrefixes(connection: SqliteConnection, portfolioId: number): Promise<string[]> {
  const rows = await connection.all<{ prefix: string | null }>(
    `SELECT json_extract(options, '$.orderIdPrefix') AS prefix FROM runs WHERE portfolio_id = ?`,
    [portfolioId],
  );
  return rows.flatMap((r) => (typeof r.prefix === 'string' && r.prefix !== '' ? [r.prefix] : []));
}

export interface ReconcileOptions {
  readonly portfolioId: number;
  /** The run the new rows are written under. */
  readonly runId: number;
  /** Orders submitted after this (epoch ms) are looked at. */
  readonly since: number;
  /** The regime written with adopted fills (the one in force). */
  readonly regime: RegimeName;
  /** Also write the notices as events of the run (at stop, when the loop no longer records them). */
  readonly recordNotices?: boolean;
  readonly now?: number;
}

export interface ReconcileOutcome {
  readonly notices: readonly string[];
  /** The broker's orders still open after it (market orders usually fill within moments). */
  readonly stillWorking: number;
}

/** Reads the broker's orders, writes what the record lacks in one transaction, and returns the notices. */
export async function reconcileOrders(
  connection: SqliteConnection,
  broker: BrokerOrderHistory,
  options: ReconcileOptions,
): Promise<ReconcileOutcome> {
  const now = options.now ?? Date.now();
  const listed = [...(await broker.ordersSince(options.since))];
  const recorded = await recordedOrders(
    connection,
    options.portfolioId,
    listed.map((o) => o.clientOrderId),
  );
  // Working orders older than the window: looked up one by one (there is at most one per symbol).
  const seen = new Set(listed.map((o) => o.clientOrderId));
  const notices: string[] = [];
  const neverPlaced: string[] = [];
  for (const order of recorded.values()) {
    if (order.status !== 'working' || seen.has(order.clientOrderId)) continue;
    const found = await broker.orderByClientOrderId(order.clientOrderId);
    if (found === null) neverPlaced.push(order.clientOrderId);
    else listed.push(found);
  }
  const prefixes = await runPrefixes(connection, options.portfolioId);
  const plan = planReconciliation(recorded, listed, (id) => prefixes.some((p) => id.startsWith(p)), now);
  for (const id of neverPlaced) notices.push(`order ${id} never reached Alpaca; recorded as cancelled`);
  const all = [...plan.notices, ...notices];
  const stillWorking = listed.filter((o) => statusOf(o) === 'working').length;
  if (plan.newOrders.length + plan.statuses.length + plan.fills.length + neverPlaced.length === 0 && all.length === 0)
    return { notices: all, stillWorking };
  await connection.transaction(async () => {
    for (const { order, status, time } of plan.newOrders)
      await connection.run(
        `INSERT OR IGNORE INTO orders (run_id, client_order_id, time, symbol, side, qty, status, recorded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        [options.runId, order.clientOrderId, time, order.symbol, order.side, order.qty ?? order.filledQty, status, now],
      );
    for (const { clientOrderId, status } of plan.statuses)
      await connection.run('UPDATE orders SET status = ? WHERE client_order_id = ?', [status, clientOrderId]);
    for (const id of neverPlaced)
      await connection.run("UPDATE orders SET status = 'cancelled' WHERE client_order_id = ?", [id]);
    for (const f of plan.fills)
      await connection.run(
        `INSERT INTO fills (run_id, order_id, time, symbol, side, qty, price, fee, regime, recorded_at)
         VALUES (?, (SELECT id FROM orders WHERE client_order_id = ?), ?, ?, ?, ?, ?, 0, ?, ?)`,
        [options.runId, f.clientOrderId, f.time, f.symbol, f.side, f.qty, f.price, options.regime, now],
      );
    if (options.recordNotices === true)
      for (const message of all)
        await connection.run('INSERT INTO events (run_id, time, kind, message, recorded_at) VALUES (?, ?, ?, ?, ?)', [
          options.runId,
          now,
          'info',
          message,
          now,
        ]);
  });
  return { notices: all, stillWorking };
}

/** When the portfolio's previous run started (epoch ms): the broker's orders after it are looked at. */
export async function previousRunStart(
  connection: SqliteConnection,
  portfolioId: number,
  runId: number,
): Promise<number | null> {
  const row = await connection.get<{ started: number | null }>(
    'SELECT max(started_at) AS started FROM runs WHERE portfolio_id = ? AND id < ?',
    [portfolioId, runId],
  );
  return row?.started ?? null;
}

/** Keeps the run's client order id prefix with its options, so its orders are known as this bot's later. */
export async function recordOrderIdPrefix(connection: SqliteConnection, runId: number, prefix: string): Promise<void> {
  await connection.run("UPDATE runs SET options = json_set(options, '$.orderIdPrefix', ?) WHERE id = ?", [
    prefix,
    runId,
  ]);
}
