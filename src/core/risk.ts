/** Risk limits: position size, gross exposure, and a daily loss limit that halts trading for the day. */

export interface RiskLimits {
  /** Largest position, as a fraction of equity. */
  readonly maxPositionFraction: number;
  /** Largest sum of position values, as a fraction of equity. */
  readonly maxGrossExposure: number;
  /** Loss from the day's starting equity, as a fraction, at which everything is sold and trading stops for the day. */
  readonly dailyLossLimit: number;
}

export const DEFAULT_RISK_LIMITS: RiskLimits = { maxPositionFraction: 0.1, maxGrossExposure: 1, dailyLossLimit: 0.03 };

import { DAY_MS } from './units.js';

export type RiskAction =
  | { readonly action: 'halt'; readonly reason: string; readonly equity: number; readonly dayStartEquity: number }
  | { readonly action: 'resume'; readonly reason: string; readonly equity: number };

export class RiskManager {
  private day = Number.NaN;
  private dayStartEquity = Number.NaN;
  private haltedFor: string | null = null;

  constructor(readonly limits: RiskLimits = DEFAULT_RISK_LIMITS) {}

  get haltReason(): string | null {
    return this.haltedFor;
  }

  /** The state a restart needs. */
  state(): { day: number; dayStartEquity: number; haltReason: string | null } {
    return { day: this.day, dayStartEquity: this.dayStartEquity, haltReason: this.haltedFor };
  }

  restore(state: { day: number; dayStartEquity: number; haltReason: string | null }): void {
    this.day = state.day;
    this.dayStartEquity = state.dayStartEquity;
    this.haltedFor = state.haltReason;
  }

  /** Checks the daily loss limit at a bar; returns an action when the state changes. */
  check(time: number, equity: number): RiskAction | null {
    const day = Math.floor(time / DAY_MS);
    if (day !== this.day) {
      this.day = day;
      this.dayStartEquity = equity;
      if (this.haltedFor !== null) {
        this.haltedFor = null;
        return { action: 'resume', reason: 'new trading day', equity };
      }
      return null;
    }
    if (this.haltedFor === null && equity <= this.dayStartEquity * (1 - this.limits.dailyLossLimit)) {
      const lossPercent = ((1 - equity / this.dayStartEquity) * 100).toFixed(2);
      this.haltedFor = `daily loss ${lossPercent}% reached the ${(this.limits.dailyLossLimit * 100).toFixed(2)}% limit`;
      return { action: 'halt', reason: this.haltedFor, equity, dayStartEquity: this.dayStartEquity };
    }
    return null;
  }

  /** The weight each chosen symbol may have, given how many are chosen and the regime's exposure cap. */
  weightPerPosition(chosen: number, regimeExposureCap: number): number {
    if (chosen === 0 || this.haltedFor !== null) return 0;
    const gross = Math.min(regimeExposureCap, this.limits.maxGrossExposure);
    return Math.min(this.limits.maxPositionFraction, gross / chosen);
  }
}
