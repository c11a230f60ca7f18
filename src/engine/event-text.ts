/**
 * The one formatter of events: the text of the events ring (the UI and the database) and the
 * headless output (a line, or NDJSON) are derived here from the same typed event.
 */
import { formatEasternTime, formatMegabytes, formatMoney, formatPercent } from '../core/format.js';
import { formatCount } from '../core/plural.js';
import type { Side } from '../core/model.js';
import type { LoopEvent } from './loop-events.js';
import type { EngineEventKind } from './snapshot.js';

/** An entry of the events ring, or null for events it does not keep (iterations, rounds, routine downloads). */
export function ringEntry(event: LoopEvent): { kind: EngineEventKind; message: string } | null {
  switch (event.type) {
    case 'download':
      if (event.state !== 'failed' && event.state !== 'timed-out') return null;
      return {
        kind: 'download',
        message:
          `${event.symbol} ${event.state} after ${formatCount(event.attempt, 'attempt')}: ${event.error ?? ''}`.trim(),
      };
    case 'fill':
      return { kind: 'fill', message: fillText(event) };
    case 'regime':
      return { kind: 'regime', message: `${event.from} → ${event.to} (${Math.round(event.confidence * 100)}%)` };
    case 'risk':
      return {
        kind: 'risk',
        message:
          event.action === 'halt'
            ? `trading halted: ${event.reason}; selling all positions`
            : `trading resumed: ${event.reason}`,
      };
    case 'notice':
      return { kind: event.kind, message: event.message };
    case 'market':
      return { kind: 'info', message: event.open ? 'market open' : `market closed; opens ${event.nextOpen}` };
    case 'user':
      return { kind: 'info', message: USER_COMMAND_TEXT[event.command] };
    case 'close-all':
      return { kind: 'risk', message: closeAllText(event.sells) };
    case 'resumed':
      return {
        kind: 'info',
        message: `resumed at iteration ${event.iteration}: equity ${event.equity.toFixed(2)}, ${formatCount(event.positions, 'position')}, ${formatCount(event.workingOrders, 'working order')}`,
      };
    case 'record-failed':
      return { kind: 'error', message: event.message };
    case 'start':
    case 'round':
    case 'iteration':
    case 'order':
    case 'summary':
      return null;
  }
}

/** `BUY  10 AAPL @ 123.45`: a fill as the events ring (and so the database) keeps it. */
function fillText(fill: { side: Side; qty: number; symbol: string; price: number }): string {
  return `${fill.side === 'buy' ? 'BUY ' : 'SELL'} ${fill.qty} ${fill.symbol} @ ${fill.price.toFixed(2)}`;
}

/** A fill event's side, quantity, symbol and price, read back from its ring text (or null for other text). */
export interface FillText {
  readonly side: Side;
  readonly qty: number;
  readonly symbol: string;
  readonly price: number;
}

const FILL_TEXT = /^(BUY |SELL) (\d+(?:\.\d+)?) (\S+) @ (\d+(?:\.\d+)?)$/;

/** The inverse of the ring's fill text: the UI folds an iteration's fills into one row from it. */
export function parseFillText(message: string): FillText | null {
  const match = FILL_TEXT.exec(message);
  if (match === null) return null;
  return {
    side: match[1] === 'BUY ' ? 'buy' : 'sell',
    qty: Number(match[2]),
    symbol: match[3] as string,
    price: Number(match[4]),
  };
}

const USER_COMMAND_TEXT: Readonly<Record<Extract<LoopEvent, { type: 'user' }>['command'], string>> = {
  pause: 'paused by the user',
  resume: 'resumed by the user',
  retry: 'retrying failed downloads now',
  'buys-off': 'new buys stopped by the user (b restarts them)',
  'buys-on': 'new buys restarted by the user',
};

/** `close all by the user: selling 17 AAPL, 5 MSFT; new buys stopped`. */
function closeAllText(sells: readonly { readonly symbol: string; readonly qty: number }[]): string {
  const what =
    sells.length === 0 ? 'nothing held to sell' : `selling ${sells.map((s) => `${s.qty} ${s.symbol}`).join(', ')}`;
  return `close all by the user: ${what}; new buys stopped`;
}

/** Refresh rounds run every iteration; only their trouble is worth a line each. */
function isRoutine(event: Extract<LoopEvent, { type: 'download' }>): boolean {
  return event.state === 'running' || (event.state === 'done' && event.attempt === 1);
}

/** Events the headless output leaves out: the UI's own happenings (the events ring shows them). */
const NOT_PRINTED: ReadonlySet<LoopEvent['type']> = new Set(['user', 'close-all', 'resumed', 'record-failed']);

/** The NDJSON line of an event, or null when it is not written. */
export function jsonLine(event: LoopEvent): string | null {
  if (NOT_PRINTED.has(event.type)) return null;
  if (event.type === 'download' && event.round === 'refresh' && isRoutine(event)) return null;
  if (event.type === 'round' && event.kind === 'refresh' && event.counts.done === event.total) return null;
  return JSON.stringify(asWritten(event));
}

/** Durations to 0.1 ms and rates to the unit: `"ms":30.3`, not the clock's `30.32417499999997`. */
const tenths = (ms: number): number => Math.round(ms * 10) / 10;
/** Fractions to 10 decimals (a millionth of a basis point): `"return":0.03`, not `0.030000000000000027`. */
const fraction = (value: number): number => Math.round(value * 1e10) / 1e10;

function asWritten(event: LoopEvent): LoopEvent {
  if (event.type === 'download') return { ...event, ms: tenths(event.ms) };
  if (event.type === 'round')
    return { ...event, elapsedMs: tenths(event.elapsedMs), barsPerSecond: Math.round(event.barsPerSecond) };
  if (event.type === 'summary')
    return { ...event, return: fraction(event.return), maxDrawdown: fraction(event.maxDrawdown) };
  return event;
}

const money = (value: number): string => `$${formatMoney(value)}`;
const shortTime = (iso: string): string => iso.slice(0, 16).replace('T', ' ');

/** The human-readable headless line of an event, or null when it is not written. */
export function humanLine(event: LoopEvent): string | null {
  switch (event.type) {
    case 'start':
      return `trading-tui ${event.mode}: ${formatCount(event.symbols, 'symbol')}, ${event.timeframe} bars, ${event.period} of history, equity ${money(event.equity)}`;
    case 'download':
      if (event.state === 'retrying' || event.state === 'failed' || event.state === 'timed-out') {
        return `  download ${event.symbol} ${event.state} (attempt ${event.attempt}): ${event.error ?? ''}`.trimEnd();
      }
      return null;
    case 'round': {
      if (event.kind === 'refresh' && event.counts.done === event.total) return null;
      const c = event.counts;
      const trouble = [
        c.failed && `${c.failed} failed`,
        c['timed-out'] && `${c['timed-out']} timed out`,
        c.cancelled && `${c.cancelled} cancelled`,
      ]
        .filter(Boolean)
        .join(', ');
      return `${event.kind}: ${c.done}/${event.total} done${trouble ? `, ${trouble}` : ''}, ${formatCount(event.bars, 'bar')} in ${(event.elapsedMs / 1000).toFixed(2)} s (${Math.round(event.barsPerSecond)} bars/s), concurrency ${event.concurrency}`;
    }
    case 'iteration':
      return `#${event.i} ${shortTime(event.time)} equity ${money(event.equity)} cash ${money(event.cash)} ${event.regime} ${formatPercent(event.confidence, 0)} positions ${event.positions} heap ${formatMegabytes(event.heapUsed)} rss ${formatMegabytes(event.rss)}`;
    case 'fill':
      return `  fill ${event.side.toUpperCase()} ${event.qty} ${event.symbol} @ ${event.price.toFixed(2)} fee ${event.fee.toFixed(2)}`;
    case 'regime':
      return `  regime ${event.from} -> ${event.to} (confidence ${formatPercent(event.confidence, 0)}) at ${shortTime(event.time)}`;
    case 'risk':
      return `  risk ${event.action}: ${event.reason} (equity ${money(event.equity)})`;
    case 'notice':
      return `  ${event.kind === 'error' ? 'error' : 'note'}: ${event.message}`;
    case 'market':
      return event.open ? 'market open' : `market closed · opens ${formatEasternTime(Date.parse(event.nextOpen))}`;
    case 'summary':
      return `summary: ${formatCount(event.iterations, 'iteration')}, equity ${money(event.equity)}, return ${formatPercent(event.return, 2)}, max drawdown ${formatPercent(event.maxDrawdown, 2)}, ${formatCount(event.trades, 'trade')}, ${formatCount(event.equityPoints, 'equity point')} in memory`;
    case 'order':
    case 'user':
    case 'close-all':
    case 'resumed':
    case 'record-failed':
      return null;
  }
}
