/**
 * The embedded simulated market: a hidden Markov chain of regimes drives a shared market factor;
 * each symbol follows the factor through its own beta plus idiosyncratic noise. Deterministic from
 * the seed. It serves bars through the same interface a broker's data API does, with simulated
 * latency, failures and hangs, and keeps a bounded window of history.
 */
import { SeededRandom, hashString, uniformFrom } from '../core/random.js';
import { roundToCents } from '../core/units.js';
import { REGIME_NAMES, type RegimeName } from '../core/regime-types.js';
import { barsInPeriod, simBarTime } from './session-calendar.js';
import { PermanentError, TransientError, type BarQuery, type MarketDataSource } from './types.js';
import { TIMEFRAME_MINUTES, type BarColumns, type Timeframe } from '../core/model.js';
import { barColumns } from '../core/bar-columns.js';
import type { MarketClock } from '../engine/bar-source.js';

interface RegimeProfile {
  /** Factor drift per bar at 15-minute bars. */
  readonly drift: number;
  /** Factor volatility per bar at 15-minute bars. */
  readonly volatility: number;
  /** Multiplier on each symbol's own noise. */
  readonly idiosyncraticScale: number;
  /** Pull back toward the level the regime began at, per bar (range-bound markets). */
  readonly meanReversion: number;
  /** Mean length of a spell, in bars. */
  readonly meanBars: number;
}

export const SIM_REGIME_PROFILES: Readonly<Record<RegimeName, RegimeProfile>> = {
  'trend-up': { drift: 0.0004, volatility: 0.0015, idiosyncraticScale: 1, meanReversion: 0, meanBars: 160 },
  'trend-down': { drift: -0.0004, volatility: 0.0016, idiosyncraticScale: 1, meanReversion: 0, meanBars: 120 },
  range: { drift: 0, volatility: 0.0012, idiosyncraticScale: 0.9, meanReversion: 0.08, meanBars: 180 },
  volatile: { drift: -0.0001, volatility: 0.0045, idiosyncraticScale: 2, meanReversion: 0, meanBars: 90 },
};

export interface SimFaults {
  /** Simulated latency range per request, ms. */
  readonly latencyMinMs: number;
  readonly latencyMaxMs: number;
  /** Share of requests failing with a transient error. */
  readonly failureRate: number;
  /** Share of requests that never answer (until aborted). */
  readonly hangRate: number;
}

export const NO_FAULTS: SimFaults = { latencyMinMs: 0, latencyMaxMs: 0, failureRate: 0, hangRate: 0 };

export interface SimMarketOptions {
  readonly seed: number;
  readonly symbols: readonly string[];
  readonly timeframe: Timeframe;
  /** Calendar days of history that exist when the market opens. */
  readonly periodDays: number;
  readonly faults?: SimFaults;
  /** Bars kept beyond the history window (bounds memory; older bars are forgotten). */
  readonly extraBarsHeld?: number;
  /** Bars to have produced at the start (a restart continues the same market); at least the history. */
  readonly barCount?: number;
}

interface SymbolSeries {
  readonly beta: number;
  readonly idiosyncraticVolatility: number;
  readonly baseVolume: number;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
  lastClose: number;
  /** Counts requests, so that faults are deterministic per symbol and attempt. */
  requests: number;
}

export class SimulatedMarket implements MarketDataSource, MarketClock {
  readonly timeframe: Timeframe;
  readonly capacity: number;
  readonly historyBars: number;
  private readonly random: SeededRandom;
  private readonly seed: number;
  private readonly faults: SimFaults;
  private readonly series: Map<string, SymbolSeries>;
  private readonly symbolIndex: Map<string, number>;
  private readonly trueRegimes: Uint8Array;
  private readonly scale: number;
  private regime: RegimeName = 'range';
  private factorLevel = 0;
  private rangeAnchor = 0;
  /** Bars produced so far; the newest has index `produced - 1`. */
  private produced = 0;
  /**
   * Bars of history still to make. They are made when first asked for, not in the constructor: the
   * monitor draws its first frame before the engine's first look at the market (tens of ms of random
   * draws for 60 symbols). The same bars either way: nothing else draws from the market's random numbers.
   */
  private historyPending: number;

  constructor(options: SimMarketOptions) {
    this.seed = options.seed;
    this.timeframe = options.timeframe;
    this.faults = options.faults ?? NO_FAULTS;
    this.random = new SeededRandom(options.seed);
    this.historyBars = barsInPeriod(options.periodDays, options.timeframe);
    this.capacity = this.historyBars + (options.extraBarsHeld ?? 512);
    // Keep the per-bar trend signal the same at every bar size: drift and volatility both scale with sqrt(time).
    this.scale = Math.sqrt(TIMEFRAME_MINUTES[options.timeframe] / 15);
    this.trueRegimes = new Uint8Array(this.capacity);
    this.series = new Map();
    this.symbolIndex = new Map();
    options.symbols.forEach((symbol, index) => {
      const own = new SeededRandom(options.seed ^ hashString(symbol));
      this.symbolIndex.set(symbol, index);
      this.series.set(symbol, {
        beta: 0.7 + own.next() * 0.7,
        idiosyncraticVolatility: 0.001 + own.next() * 0.0015,
        baseVolume: Math.round(20_000 + own.next() * 180_000),
        open: new Float64Array(this.capacity),
        high: new Float64Array(this.capacity),
        low: new Float64Array(this.capacity),
        close: new Float64Array(this.capacity),
        volume: new Float64Array(this.capacity),
        lastClose: roundToCents(20 + own.next() * 380),
        requests: 0,
      });
    });
    this.historyPending = Math.max(this.historyBars, options.barCount ?? 0);
  }

  private makeHistory(): void {
    while (this.historyPending > 0) {
      this.historyPending--;
      this.produceBar();
    }
  }

  /** Bars produced since the start of the simulated history. */
  get barCount(): number {
    this.makeHistory();
    return this.produced;
  }

  now(): number {
    this.makeHistory();
    return simBarTime(this.produced - 1, this.timeframe);
  }

  /** The true regime of the newest bar. */
  currentTrueRegime(): RegimeName {
    this.makeHistory();
    return this.regime;
  }

  /** The true regime of a held bar, by its index; null once the bar has left the window. */
  trueRegimeAt(index: number): RegimeName | null {
    this.makeHistory();
    if (index < this.produced - this.capacity || index >= this.produced) return null;
    return REGIME_NAMES[this.trueRegimes[index % this.capacity] as number] as RegimeName;
  }

  advance(): void {
    this.makeHistory();
    this.produceBar();
  }

  private produceBar(): void {
    this.stepRegime();
    const profile = SIM_REGIME_PROFILES[this.regime];
    const reversion = profile.meanReversion * (this.rangeAnchor - this.factorLevel);
    const factorReturn = (profile.drift + profile.volatility * this.random.normal()) * this.scale + reversion;
    this.factorLevel += factorReturn;
    const slot = this.produced % this.capacity;
    this.trueRegimes[slot] = REGIME_NAMES.indexOf(this.regime);
    for (const s of this.series.values()) {
      const noise = s.idiosyncraticVolatility * profile.idiosyncraticScale * this.scale;
      const logReturn = s.beta * factorReturn + noise * this.random.normal();
      const open = roundToCents(Math.max(0.01, s.lastClose * Math.exp(0.0002 * this.random.normal())));
      const close = roundToCents(Math.max(0.01, open * Math.exp(logReturn)));
      const wick = (Math.abs(logReturn) + noise) * 0.5;
      const high = roundToCents(Math.max(open, close) * Math.exp(wick * Math.abs(this.random.normal())));
      const low = roundToCents(
        Math.max(0.01, Math.min(open, close) * Math.exp(-wick * Math.abs(this.random.normal()))),
      );
      const activity = 1 + Math.abs(logReturn) / (noise + profile.volatility * this.scale);
      s.open[slot] = open;
      s.close[slot] = close;
      s.high[slot] = Math.max(high, open, close);
      s.low[slot] = Math.min(low, open, close);
      s.volume[slot] = Math.max(1, Math.round(s.baseVolume * activity * Math.exp(0.3 * this.random.normal())));
      s.lastClose = close;
    }
    this.produced++;
  }

  /**
   * One request: its bars after the simulated latency, or a transient failure, or (a hang) nothing
   * until the request is aborted. Without faults, at once. An abort during the latency is answered when
   * the latency ends (the caller has already let the request go): no listener on the signal for each
   * of a round's requests, only for a hang.
   */
  fetchBars(query: BarQuery): Promise<BarColumns> {
    this.makeHistory();
    const series = this.series.get(query.symbol);
    if (series === undefined) return Promise.reject(new PermanentError(`unknown symbol ${query.symbol}`));
    const attempt = series.requests++;
    const { latencyMinMs, latencyMaxMs, failureRate, hangRate } = this.faults;
    if (latencyMaxMs <= 0 && failureRate <= 0 && hangRate <= 0)
      return Promise.resolve(this.readBars(series, query.after, query.limit));
    const symbolIndex = this.symbolIndex.get(query.symbol) ?? 0;
    const draw = (salt: number): number => uniformFrom(this.seed, symbolIndex, attempt, salt);
    const latency = latencyMinMs + (latencyMaxMs - latencyMinMs) * draw(1);
    const hangs = draw(2) < hangRate;
    const { signal } = query;
    return new Promise((resolve, reject) => {
      if (signal.aborted) reject(signal.reason);
      else if (hangs) signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      else
        setTimeout(() => {
          if (signal.aborted) reject(signal.reason);
          else if (draw(3) < failureRate) reject(new TransientError('simulated 503 Service Unavailable'));
          else resolve(this.readBars(series, query.after, query.limit));
        }, latency);
    });
  }

  private readBars(series: SymbolSeries, after: number, limit: number | undefined): BarColumns {
    const oldest = Math.max(0, this.produced - this.capacity);
    // Bar times rise with the index, so the first bar after `after` is found by bisection.
    let lo = oldest;
    let hi = this.produced;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (simBarTime(mid, this.timeframe) > after) hi = mid;
      else lo = mid + 1;
    }
    const first = limit === undefined ? lo : Math.max(lo, this.produced - limit);
    const bars = barColumns(this.produced - first);
    for (let index = first; index < this.produced; index++) {
      const slot = index % this.capacity;
      const i = index - first;
      bars.time[i] = simBarTime(index, this.timeframe);
      bars.open[i] = series.open[slot] as number;
      bars.high[i] = series.high[slot] as number;
      bars.low[i] = series.low[slot] as number;
      bars.close[i] = series.close[slot] as number;
      bars.volume[i] = series.volume[slot] as number;
    }
    return bars;
  }

  private stepRegime(): void {
    const profile = SIM_REGIME_PROFILES[this.regime];
    if (this.random.next() >= 1 / profile.meanBars) return;
    const others = REGIME_NAMES.filter((name) => name !== this.regime);
    this.regime = others[Math.floor(this.random.next() * others.length)] as RegimeName;
    this.rangeAnchor = this.factorLevel;
  }
}
