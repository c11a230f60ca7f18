/**
 * A real market's clock for the engine: `now()` is the wall clock and `advance()` does nothing (the
 * market moves by itself); market hours come from Alpaca's /v2/clock, asked at most every
 * `refreshMs` and again as soon as the next open or close is due.
 */
import type { MarketHours, MarketHoursSource } from '../../engine/broker.js';
import type { MarketClock } from '../../engine/bar-source.js';
import type { MarketClock as AlpacaMarketClock } from './alpaca-trading.js';

export class WallClock implements MarketClock {
  constructor(private readonly wall: () => number = Date.now) {}

  now(): number {
    return this.wall();
  }

  advance(): void {}
}

export class AlpacaMarketHours implements MarketHoursSource {
  private known: (AlpacaMarketClock & { readonly at: number }) | null = null;

  constructor(
    private readonly ask: () => Promise<AlpacaMarketClock>,
    private readonly onError: (message: string) => void,
    private readonly refreshMs = 60_000,
    private readonly wall: () => number = Date.now,
  ) {}

  /** The last answer's open flag, without asking (true before the first answer). */
  lastKnownOpen(): boolean {
    return this.known?.isOpen ?? true;
  }

  async check(): Promise<MarketHours> {
    const now = this.wall();
    const known = this.known;
    const due =
      known === null || now - known.at >= this.refreshMs || now >= (known.isOpen ? known.nextClose : known.nextOpen);
    if (due) {
      try {
        this.known = { ...(await this.ask()), at: now };
      } catch (error) {
        // Keep trading on the last answer (or as if open): the clock is advice, the orders are checked by Alpaca.
        this.onError(`market clock: ${error instanceof Error ? error.message : String(error)}`);
        if (this.known !== null) this.known = { ...this.known, at: now };
      }
    }
    const current = this.known;
    return current === null
      ? { open: true, nextOpen: Number.NaN }
      : { open: current.isOpen, nextOpen: current.nextOpen };
  }
}
