/**
 * Headless output: human-readable lines, or NDJSON with --json. Lines are batched per iteration and
 * written with backpressure, so a slow reader of a pipe slows the loop instead of filling memory.
 */
import type { Writable } from 'node:stream';
import { humanLine, jsonLine } from '../engine/event-text.js';
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
    const line = this.json ? jsonLine(event) : humanLine(event);
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
}
