/** What a session trades on, as the command line assembles it: the simulated market or Alpaca. */
import type { Broker, BrokerState, MarketHoursSource } from '../engine/broker.js';
import type { MarketClock } from '../engine/bar-source.js';
import type { Checkpoint } from '../engine/checkpoint.js';
import type { Mode } from '../engine/snapshot.js';
import type { RegimeName } from '../core/regime-types.js';
import type { MarketDataSource } from '../market/types.js';
import type { BrokerOrderHistory } from '../store/order-reconciliation.js';

/** Asks the user to confirm live trading on this account (types its number); false refuses. */
export type LivePrompt = (accountNumber: string) => Promise<boolean>;

/** What the session trades on: the simulated market, or a broker's (Alpaca). */
export interface MarketKit {
  readonly mode: Mode;
  readonly source: MarketDataSource;
  readonly clock: MarketClock;
  readonly broker: Broker;
  readonly marketHours?: MarketHoursSource;
  readonly concurrency: 'auto' | number;
  readonly seed: number | null;
  /** The bar cache's key for this market, or null for no cache. */
  readonly cacheSource: string | null;
  /** The starting cash of a new portfolio. */
  readonly newPortfolioCash: number;
  readonly brokerState?: BrokerState;
  /** The simulated market's true regime of its newest bar (only the simulation has one). */
  readonly trueRegime?: () => RegimeName;
  /** The broker's order history (Alpaca): the record is reconciled with it at start and at stop. */
  readonly orderHistory?: BrokerOrderHistory;
  /** Tells the user something through the broker's notices (shown and recorded by the loop). */
  notify?(message: string): void;
  checkpoint(): Checkpoint['market'];
  close(): Promise<void>;
}
