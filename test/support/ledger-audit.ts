/**
 * An outside audit of a seeded run, sharing no code with the product: from the run's NDJSON and its
 * database it rebuilds cash and positions in integer cents, values them at the bars' closes (the bar
 * cache holds every bar the run saw), and checks every iteration line, every fill, the caps after every
 * bar's orders, the daily loss limit and the database's equity points. The rules checked are the
 * README's ("How it works"), written again here.
 */
import sqlite3 from 'sqlite3';

/** README: a buy is sized on the close raised by 0.5% (gap and slippage). */
const SIZING_MARGIN = 0.005;
/** README: paper fills 2 bps against the order; fee 0.5 bps, at least $0.01. */
const SLIPPAGE = 0.0002;
const FEE_RATE = 0.00005;
/** README: each regime's exposure cap (only for runs whose iteration lines do not say it). */
const REGIME_CAP: Record<string, number> = { 'trend-up': 1, range: 0.6, 'trend-down': 0.2, volatile: 0.3 };

export interface AuditLimits {
  readonly maxPosition: number;
  readonly maxExposure: number;
  readonly dailyLossLimit: number;
}

type Line = Record<string, unknown> & { type: string };
interface Bar {
  readonly open: number;
  readonly close: number;
}
interface Order {
  readonly symbol: string;
  readonly side: string;
  readonly qty: number;
  /** The close it was sized on, in cents. */
  readonly priceCents: number;
}

export interface AuditFigures {
  iterations: number;
  fills: number;
  /** Order lines seen (runs from before they existed: 0, the database's orders are used). */
  orders: number;
  /** Closes on the iteration lines compared with the bar cache. */
  closesChecked: number;
  /** Iterations whose equity is not cash + Σ qty × the bar's close, to the cent. */
  misMarked: number;
  maxMisMarkCents: number;
  /** Iterations or fills whose cash differs from the rebuilt cash. */
  cashMismatches: number;
  /** Closes on the iteration lines that differ from the bar cache's. */
  closeMismatches: number;
  /** Fills at a price other than the bar's open with slippage. */
  wrongFillPrices: number;
  /** Bars after whose orders Σ positions + pending buys > the exposure cap; the largest such sum as a fraction of equity, and its cap. */
  exposureOverCap: number;
  maxExposureOverCap: { exposure: number; cap: number } | null;
  /** Bars after whose orders a position is above --max-position. */
  positionOverCapAfterOrders: number;
  /** Buy fills whose position at the fill price is above --max-position of the equity they were sized on; the largest fraction. */
  fillsOverPositionCap: number;
  maxFillPosition: number;
  /** Buy fills worth more than their order reserved (qty × sized close × (1 + margin)). */
  fillsOverReservation: number;
  /** Bars after whose orders the pending buys' reservations exceed the cash. */
  reservationsOverCash: number;
  /** Iterations where the loss from the previous session's close reached the limit and no halt came. */
  missedHalts: number;
  /** Halts where the rebuild saw none, or with another base or loss. */
  wrongHalts: number;
  /** Halts after which something was bought the same day, or a position was still held after the next bar. */
  haltsNotFlat: number;
  /** New sessions that began halted without a resume. */
  missedResumes: number;
  halts: number;
  /** Database equity points that differ from the iteration lines. */
  equityPointMismatches: number;
  equityPoints: number;
  /** Largest Σ positions at a bar's closes, before its orders, over the cap of the bar before's orders: price moves after the fill. */
  maxOverCapFromPriceMoves: number;
}

const cents = (dollars: number): number => Math.round(dollars * 100);
const newYorkDate = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
});
const sessionDate = (iso: string): string => newYorkDate.format(new Date(iso));

function all<T>(db: sqlite3.Database, sql: string): Promise<T[]> {
  return new Promise((resolve, reject) => db.all(sql, (error, rows) => (error ? reject(error) : resolve(rows as T[]))));
}

async function readDatabase(path: string): Promise<{
  bars: Map<string, Bar>;
  orders: { time: number; symbol: string; side: string; qty: number }[];
  points: { iteration: number; equity: number; cash: number }[];
}> {
  const db = new sqlite3.Database(path, sqlite3.OPEN_READONLY);
  try {
    const barRows = await all<{ symbol: string; time: number; open: number; close: number }>(
      db,
      'SELECT symbol, time, open, close FROM bar_cache',
    );
    const bars = new Map(barRows.map((b) => [`${b.symbol}@${b.time}`, { open: b.open, close: b.close }]));
    const orders = await all<{ time: number; symbol: string; side: string; qty: number }>(
      db,
      'SELECT time, symbol, side, qty FROM orders ORDER BY id',
    );
    const points = await all<{ iteration: number; equity: number; cash: number }>(
      db,
      'SELECT iteration, equity, cash FROM equity_points ORDER BY iteration',
    );
    return { bars, orders, points };
  } finally {
    await new Promise((resolve) => db.close(resolve));
  }
}

const feeCents = (qty: number, priceCents: number): number => Math.max(1, Math.round(qty * priceCents * FEE_RATE));

/** Audits a run; `ndjson` is its whole stdout, `databasePath` the --db it wrote. */
export async function auditRun(ndjson: string, databasePath: string, limits: AuditLimits): Promise<AuditFigures> {
  const lines = ndjson
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);
  const { bars, orders: dbOrders, points } = await readDatabase(databasePath);
  const f: AuditFigures = {
    iterations: 0,
    fills: 0,
    orders: 0,
    closesChecked: 0,
    misMarked: 0,
    maxMisMarkCents: 0,
    cashMismatches: 0,
    closeMismatches: 0,
    wrongFillPrices: 0,
    exposureOverCap: 0,
    maxExposureOverCap: null,
    positionOverCapAfterOrders: 0,
    fillsOverPositionCap: 0,
    maxFillPosition: 0,
    fillsOverReservation: 0,
    reservationsOverCash: 0,
    missedHalts: 0,
    wrongHalts: 0,
    haltsNotFlat: 0,
    missedResumes: 0,
    halts: 0,
    equityPointMismatches: 0,
    equityPoints: 0,
    maxOverCapFromPriceMoves: 0,
  };
  const start = lines.find((l) => l.type === 'start');
  if (start === undefined) throw new Error('no start line');
  const hasOrderLines = lines.some((l) => l.type === 'order');

  let cash = cents(start.equity as number);
  const held = new Map<string, number>();
  /** Latest close seen per symbol, in cents. */
  const lastClose = new Map<string, number>();
  let equityAtSizing = cash;
  let previousCap = 1;
  /** The orders of the bar before, by symbol: the fills of this bar belong to them. */
  let pending = new Map<string, Order>();
  let thisBarOrders: Order[] = [];
  let risks: Line[] = [];
  let day = '';
  let base = cash;
  let lastEquity = cash;
  let haltedToday = false;
  let haltedAtIteration = -1;
  const iterationEquity = new Map<number, { equity: number; cash: number }>();

  for (const line of lines) {
    if (line.type === 'fill') {
      f.fills++;
      const symbol = line.symbol as string;
      const qty = line.qty as number;
      const price = cents(line.price as number);
      const fee = cents(line.fee as number);
      const bar = bars.get(`${symbol}@${Date.parse(line.time as string)}`);
      const direction = line.side === 'buy' ? 1 : -1;
      if (bar === undefined || cents(bar.open * (1 + direction * SLIPPAGE)) !== price) f.wrongFillPrices++;
      const before = held.get(symbol) ?? 0;
      if (line.side === 'buy') {
        cash -= qty * price + fee;
        held.set(symbol, before + qty);
        const fraction = ((before + qty) * price) / equityAtSizing;
        f.maxFillPosition = Math.max(f.maxFillPosition, fraction);
        // One cent of slack: the product compares unrounded equity, this audit the equity to the cent.
        if ((before + qty) * price > limits.maxPosition * equityAtSizing + 1) f.fillsOverPositionCap++;
        const order = pending.get(symbol);
        if (order !== undefined && qty * price > order.qty * order.priceCents * (1 + SIZING_MARGIN) + 1)
          f.fillsOverReservation++;
        if (haltedToday) f.haltsNotFlat++;
      } else {
        if (qty > before) throw new Error(`sold ${qty} ${symbol} holding ${before}`);
        cash += qty * price - fee;
        if (before === qty) held.delete(symbol);
        else held.set(symbol, before - qty);
      }
      if (cents(line.cash as number) !== cash) f.cashMismatches++;
    } else if (line.type === 'order') {
      f.orders++;
      thisBarOrders.push({
        symbol: line.symbol as string,
        side: line.side as string,
        qty: line.qty as number,
        priceCents: cents(line.price as number),
      });
    } else if (line.type === 'risk') {
      risks.push(line);
    } else if (line.type === 'iteration') {
      f.iterations++;
      const time = Date.parse(line.time as string);
      const closes = (line.closes ?? {}) as Record<string, number>;
      for (const [symbol, close] of Object.entries(closes)) {
        const bar = bars.get(`${symbol}@${time}`);
        f.closesChecked++;
        if (bar === undefined || cents(bar.close) !== cents(close)) f.closeMismatches++;
      }
      // Every symbol had its bar at this time (a run without download faults): the closes are the bar cache's.
      for (const symbol of held.keys()) {
        const bar = bars.get(`${symbol}@${time}`);
        if (bar !== undefined) lastClose.set(symbol, cents(bar.close));
      }
      let positionsValue = 0;
      for (const [symbol, qty] of held) positionsValue += qty * (lastClose.get(symbol) as number);
      const equity = cash + positionsValue;
      const reported = cents(line.equity as number);
      if (reported !== equity) {
        f.misMarked++;
        f.maxMisMarkCents = Math.max(f.maxMisMarkCents, Math.abs(reported - equity));
      }
      if (cents(line.cash as number) !== cash) f.cashMismatches++;
      if (line.positions !== held.size) f.cashMismatches++;
      iterationEquity.set(line.i as number, { equity: reported, cash: cents(line.cash as number) });

      // The daily loss limit, from the previous session's closing equity.
      const date = sessionDate(line.time as string);
      const halts = risks.filter((r) => r.action === 'halt');
      const resumes = risks.filter((r) => r.action === 'resume');
      if (date !== day) {
        if (day !== '') base = lastEquity;
        if (haltedToday && resumes.length === 0) f.missedResumes++;
        haltedToday = false;
        day = date;
      }
      if (haltedAtIteration === f.iterations - 1 && held.size > 0) f.haltsNotFlat++;
      const reached = base - equity >= base * limits.dailyLossLimit;
      if (!haltedToday && reached) {
        if (halts.length === 0) f.missedHalts++;
        else {
          f.halts++;
          const halt = halts[0] as Line;
          if (cents(halt.base as number) !== base || cents(halt.loss as number) !== base - equity) f.wrongHalts++;
          haltedToday = true;
          haltedAtIteration = f.iterations;
        }
      } else if (halts.length > 0) f.wrongHalts++;
      lastEquity = equity;
      risks = [];

      // After the bar's orders: positions less pending sells, plus pending buys, within the caps.
      const orders = hasOrderLines
        ? thisBarOrders
        : dbOrders.filter((o) => o.time === time).map((o) => ({ ...o, priceCents: lastCloseOf(o.symbol, time) }));
      const sells = new Map<string, number>();
      for (const o of orders) if (o.side === 'sell') sells.set(o.symbol, (sells.get(o.symbol) ?? 0) + o.qty);
      const cap =
        (line.exposureCap as number | undefined) ??
        Math.min(limits.maxExposure, REGIME_CAP[line.regime as string] ?? 1);
      let committed = 0;
      let reservations = 0;
      for (const [symbol, qty] of held) {
        const value = (qty - (sells.get(symbol) ?? 0)) * (lastClose.get(symbol) as number);
        committed += value;
        if (value > limits.maxPosition * equity + 1) f.positionOverCapAfterOrders++;
      }
      f.maxOverCapFromPriceMoves = Math.max(f.maxOverCapFromPriceMoves, positionsValue / equity - previousCap);
      previousCap = cap;
      for (const o of orders) {
        if (o.side !== 'buy') continue;
        const high = o.priceCents * (1 + SIZING_MARGIN);
        committed += o.qty * high;
        reservations += o.qty * high + feeCents(o.qty, high);
        if (o.qty * high > limits.maxPosition * equity + 1) f.positionOverCapAfterOrders++;
      }
      if (committed > cap * equity + 1) {
        f.exposureOverCap++;
        const exposure = committed / equity;
        if (f.maxExposureOverCap === null || exposure - cap > f.maxExposureOverCap.exposure - f.maxExposureOverCap.cap)
          f.maxExposureOverCap = { exposure, cap };
      }
      if (reservations > cash + 1) f.reservationsOverCash++;
      pending = new Map(orders.map((o) => [o.symbol, o]));
      thisBarOrders = [];
      equityAtSizing = equity;
    }
  }

  for (const point of points) {
    const line = iterationEquity.get(point.iteration);
    if (line === undefined) continue;
    f.equityPoints++;
    if (cents(point.equity) !== line.equity || cents(point.cash) !== line.cash) f.equityPointMismatches++;
  }
  return f;

  function lastCloseOf(symbol: string, time: number): number {
    const bar = bars.get(`${symbol}@${time}`);
    return bar === undefined ? Number.NaN : cents(bar.close);
  }
}
