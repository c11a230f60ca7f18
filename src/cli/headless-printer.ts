/**
 * Headless output: human-readable lines, or NDJSON with --json. Lines are batched per iteration and
 * written with backpressure, so a slow reader of a pipe slows the loop instead of filling memory.
 */
import type { Writable } from 'node:stream';
import { formatEasternTime, formatMegabytes, formatMoney, formatPercent } from '../core/format.js';
import { formatCount } from '../core/plural.js';
import type { LoopEvent } from '../engine/loop-events.js';

const FLUSH_BYTES = 64 * 1024;
/** Written at once: the market and broker lines may come while the loop idles (a closed market). */
const FLUSHED_AT_ONCE: ReadonlySet<LoopEvent['type']> = new Set(['iteration', 'summary', 'start', 'market', 'notice']);

export class HeadlessPrinter {
  private buffer = '';
  /** Set when the reader went away (EPIPE): later output is dropped. */
  private closed = false;

  constructor(
    private readonly out: Writable,
    private readonly json: boolean,
  ) {}

  print(event: LoopEvent): void {
    if (this.closed) return;
    const line = this.json ? this.jsonLine(event) : humanLine(event);
    if (line !== null) this.buffer += `${line}\n`;
    if (FLUSHED_AT_ONCE.has(event.type) || this.buffer.length > FLUSH_BYTES) this.flush();
  }

  close(): void {
    this.closed = true;
    this.buffer = '';
  }

  flush(): void {
    if (this.closed || this.buffer.length === 0) return;
    this.out.write(this.buffer);
    this.buffer = '';
  }

  /** Resolves once the stream can take more (at once when it can). */
  waitForDrain(): Promise<void> | undefined {
    if (this.closed || !this.out.writableNeedDrain) return undefined;
    return new Promise((resolve) => {
      const done = (): void => {
        this.out.off('drain', done);
        this.out.off('close', done);
        this.out.off('error', done);
        resolve();
      };
      this.out.on('drain', done);
      this.out.on('close', done);
      this.out.on('error', done);
    });
  }

  private jsonLine(event: LoopEvent): string | null {
    if (event.type === 'download' && event.round === 'refresh' && isRoutine(event)) return null;
    if (event.type === 'round' && event.kind === 'refresh' && event.counts.done === event.total) return null;
    return JSON.stringify(asWritten(event));
  }
}

/** Durations to 0.1 ms and rates to the unit: `"ms":30.3`, not the clock's `30.32417499999997`. */
const tenths = (ms: number): number => Math.round(ms * 10) / 10;

function asWritten(event: LoopEvent): LoopEvent {
  if (event.type === 'download') return { ...event, ms: tenths(event.ms) };
  if (event.type === 'round')
    return { ...event, elapsedMs: tenths(event.elapsedMs), barsPerSecond: Math.round(event.barsPerSecond) };
  return event;
}

/** Refresh rounds run every iteration; only their trouble is worth a line each. */
function isRoutine(event: Extract<LoopEvent, { type: 'download' }>): boolean {
  return event.state === 'running' || (event.state === 'done' && event.attempt === 1);
}

const money = (value: number): string => `$${formatMoney(value)}`;
const shortTime = (iso: string): string => iso.slice(0, 16).replace('T', ' ');

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
  }
}
