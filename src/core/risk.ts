/**
 * Risk limits, and the daily loss limit: the loss of a trading day is measured from the equity at the
 * previous session's close, the trading day being the New York session date. Reaching the limit halts
 * trading (the engine sells everything at the next bar) until the next session.
 */
import { formatSessionDay, sessionDay } from './session-date.js';

export interface RiskLimits {
  /** Largest position, as a fraction of equity. */
  readonly maxPositionFraction: number;
  /** Largest sum of position values, as a fraction of equity. */
  readonly maxGrossExposure: number;
  /** Loss from the previous session's closing equity, as a fraction, at which everything is sold and trading stops for the day. */
  readonly dailyLossLimit: number;
}

export const DEFAULT_RISK_LIMITS: RiskLimits = { maxPositionFraction: 0.1, maxGrossExposure: 1, dailyLossLimit: 0.03 };

export type RiskAction =
  | {
      readonly action: 'halt';
      readonly reason: string;
      readonly equity: number;
      /** The day's base: equity at the previous session's close. */
      readonly base: number;
      /** base − equity, in dollars. */
      readonly loss: number;
    }
  | { readonly action: 'resume'; readonly reason: string; readonly equity: number; readonly base: number };

/** What a restart needs. `dayStartEquity` is the day's base (the name is kept so older checkpoints read). */
export interface RiskState {
  readonly day: number;
  readonly dayStartEquity: number;
  readonly haltReason: string | null;
  /** Equity at the latest bar checked; absent in checkpoints written before it was kept. */
  readonly lastEquity?: number;
}

const NOTHING: readonly RiskAction[] = [];
const cents = (value: number): number => Math.round(value * 100);

export class RiskManager {
  private day = Number.NaN;
  private base = Number.NaN;
  /** Equity at the latest bar checked: at a new session it becomes the day's base. */
  private lastEquity: number;
  private haltedFor: string | null = null;

  /** `openingEquity`: the equity before the first bar, the base of a new portfolio's first session. */
  constructor(
    readonly limits: RiskLimits = DEFAULT_RISK_LIMITS,
    openingEquity = Number.NaN,
  ) {
    this.lastEquity = openingEquity;
  }

  get haltReason(): string | null {
    return this.haltedFor;
  }

  /** The day's base (equity at the previous session's close); NaN before the first bar. */
  get dayBase(): number {
    return this.base;
  }

  /** Replaces the opening equity while no bar has been checked yet (a broker's account at start). */
  useOpeningEquity(equity: number): void {
    if (Number.isNaN(this.day)) this.lastEquity = equity;
  }

  state(): RiskState {
    return { day: this.day, dayStartEquity: this.base, haltReason: this.haltedFor, lastEquity: this.lastEquity };
  }

  restore(state: RiskState): void {
    this.day = state.day;
    this.base = state.dayStartEquity;
    this.haltedFor = state.haltReason;
    // An older checkpoint lacks it: the next session then starts from its first bar's equity.
    this.lastEquity = state.lastEquity ?? Number.NaN;
  }

  /**
   * Checks the daily loss limit with the equity after a bar's fills, marked at its closes. At the first
   * bar of a session the base becomes the previous bar's equity (the previous session's close) and a
   * halt ends; then the loss from the base is compared, in cents, with the limit.
   */
  check(time: number, equity: number): readonly RiskAction[] {
    const day = sessionDay(time);
    let resumed: RiskAction | null = null;
    if (day !== this.day) {
      this.day = day;
      this.base = Number.isNaN(this.lastEquity) ? equity : this.lastEquity;
      if (this.haltedFor !== null) {
        this.haltedFor = null;
        resumed = { action: 'resume', reason: `new trading day ${formatSessionDay(day)}`, equity, base: this.base };
      }
    }
    this.lastEquity = equity;
    const baseCents = cents(this.base);
    const lossCents = baseCents - cents(equity);
    if (this.haltedFor === null && baseCents > 0 && lossCents >= baseCents * this.limits.dailyLossLimit) {
      const lossPercent = ((lossCents / baseCents) * 100).toFixed(2);
      this.haltedFor = `daily loss ${lossPercent}% ($${(lossCents / 100).toFixed(2)}) from the previous close's $${(baseCents / 100).toFixed(2)} reached the ${(this.limits.dailyLossLimit * 100).toFixed(2)}% limit`;
      const halt: RiskAction = {
        action: 'halt',
        reason: this.haltedFor,
        equity,
        base: this.base,
        loss: lossCents / 100,
      };
      return resumed === null ? [halt] : [resumed, halt];
    }
    return resumed === null ? NOTHING : [resumed];
  }
}
