/**
 * What was printed or shown must already be stored: while an iteration's rows are being committed,
 * its loop events are held back (and the screen keeps the last published snapshot); they go out only
 * once the commit succeeded. A kill -9 can then lose only what nobody saw.
 */
import type { LoopEvent } from './loop-events.js';

export class PublishAfterCommit {
  private held: LoopEvent[] = [];
  private holding = false;

  constructor(private readonly deliver: (event: LoopEvent) => void) {}

  /** True between hold() and release(): the snapshot shown must not move on either. */
  get isHolding(): boolean {
    return this.holding;
  }

  /** From now on, events wait for the commit of the iteration being made. */
  hold(): void {
    this.holding = true;
  }

  emit(event: LoopEvent): void {
    if (this.holding) this.held.push(event);
    else this.deliver(event);
  }

  /** The iteration is stored: its events go out, in order. */
  release(): void {
    this.holding = false;
    const held = this.held;
    this.held = [];
    for (const event of held) this.deliver(event);
  }

  /** The iteration could not be stored: what it would have said is dropped (it never happened on disk). */
  discard(): void {
    this.holding = false;
    this.held = [];
  }
}
