/** Builds the market, downloader, store and engine from the start options, and runs them headless. */
import { existsSync, rmSync } from 'node:fs';
import { TradingEngine, type RunSummary } from '../engine/engine.js';
import type { ResumeState, TradingRecord } from '../engine/trading-record.js';
import type { RegimeDetectorConfig } from '../core/regime.js';
import { Downloader } from '../market/downloader.js';
import { DownloadedBars } from '../market/downloaded-bars.js';
import { SimulatedMarket, type SimFaults } from '../market/sim-market.js';
import type { MarketDataSource } from '../market/types.js';
import { loadProfile } from '../learn/profiles.js';
import { CachedMarketData } from '../store/cached-market-data.js';
import { openStore, resolveDatabasePath, StoreError } from '../store/open-store.js';
import { findSavedPortfolio, recordRunStart } from '../store/run-registry.js';
import {
  previousRunStart,
  reconcileOrders,
  recordOrderIdPrefix,
  type BrokerOrderHistory,
} from '../store/order-reconciliation.js';
import { acquireRunLock, type RunLock } from '../store/run-lock.js';
import type { SqliteConnection } from '../store/sqlite-connection.js';
import { SqliteTradingRecord } from '../store/sqlite-trading-record.js';
import { SIM_FAULT_DEFAULTS, type StartOptions } from './args.js';
import { HeadlessPrinter } from './headless-printer.js';
import { checkAlpacaKeys } from './usage-checks.js';
import { readVersion } from './version.js';
import type { LivePrompt, MarketKit } from './market-kit.js';
import { PaperBroker } from '../broker/paper-broker.js';
import { hashString } from '../core/random.js';
import { formatCount } from '../core/plural.js';
import type { Mode } from '../engine/snapshot.js';

/** Where credentials come from and how live trading is confirmed (the bin: process.env and the terminal). */
export interface BrokerAccess {
  readonly env: NodeJS.ProcessEnv;
  readonly confirmLive: LivePrompt;
}

/** In-process callers (tests) get the simulation unless they hand over an environment. */
const NO_BROKER_ACCESS: BrokerAccess = { env: {}, confirmLive: () => Promise.resolve(false) };

export function hasAlpacaCredentials(env: NodeJS.ProcessEnv): boolean {
  return (env.APCA_API_KEY_ID ?? '') !== '' && (env.APCA_API_SECRET_KEY ?? '') !== '';
}

/** Faults of the simulated network: on by default, off with --interval 0 unless asked for. */
export function simFaults(options: StartOptions): SimFaults {
  const fast = options.intervalMs === 0;
  const latency = options.sim.latencyMs ?? (fast ? 0 : SIM_FAULT_DEFAULTS.latencyMs);
  return {
    latencyMinMs: latency / 2,
    latencyMaxMs: latency,
    failureRate: options.sim.failureRate ?? (fast ? 0 : SIM_FAULT_DEFAULTS.failureRate),
    hangRate: options.sim.hangRate ?? (fast ? 0 : SIM_FAULT_DEFAULTS.hangRate),
  };
}

export interface Session {
  readonly engine: TradingEngine;
  readonly downloader: Downloader;
  /** The database in use, or null with --no-db. */
  readonly databasePath: string | null;
  /** Bars the backfill and refreshes took from the cache and from the market, since start. */
  cacheCounts(): { readonly fromCache: number; readonly fromSource: number } | null;
  /** Runs the loop to its end; then closes the downloader and writes what is left to the database. */
  run(): Promise<RunSummary>;
  /** The saved portfolio this run continues (the UI shows it while the backfill runs), or null. */
  readonly resume: ResumeState | null;
}

/** Downloader settings that are not on the command line (tests shorten the retry waits). */
export interface DownloaderTuning {
  readonly backoffBaseMs?: number;
}

interface Persistence {
  readonly path: string;
  readonly connection: SqliteConnection;
  readonly writer: SqliteTradingRecord;
  readonly lock: RunLock;
  readonly runId: number;
  /** The portfolio's own starting cash (a resumed one may have started with other --cash). */
  readonly startingCash: number;
  readonly resume: ResumeState | null;
  readonly detectorConfig: RegimeDetectorConfig | undefined;
  /** Said once at the start when the profile could not be taken as saved. */
  readonly profileNotice: string | null;
  readonly portfolioId: number;
  readonly orderIdPrefix: string;
}

/** A session on the simulated market, kept in memory only (tests and benchmarks). */
export function createSimSession(options: StartOptions, tuning: DownloaderTuning = {}): Session {
  return assembleSession(options, tuning, null, simKit(options, null));
}

/** Simulation unless --broker says otherwise; by default Alpaca when its credentials are set. */
export function resolveBroker(options: StartOptions, env: NodeJS.ProcessEnv): 'sim' | 'alpaca' {
  if (options.broker !== null) return options.broker;
  if (options.live) return 'alpaca';
  return hasAlpacaCredentials(env) ? 'alpaca' : 'sim';
}

/** A session as the command line asks for it: with the database unless --no-db. */
export async function createSession(
  options: StartOptions,
  tuning: DownloaderTuning = {},
  access: BrokerAccess = NO_BROKER_ACCESS,
): Promise<Session> {
  checkAlpacaKeys(access.env, options);
  if (resolveBroker(options, access.env) === 'alpaca') {
    // Loaded only for Alpaca: the simulation never loads the SDK.
    const { alpacaKit, connectAlpaca } = await import('./alpaca-session.js');
    const connection = await connectAlpaca(options, access.env, access.confirmLive);
    return openSession(connection.options, tuning, (resume) => alpacaKit(connection, resume), connection.mode);
  }
  return openSession(options, tuning, (resume) => simKit(options, resume), 'SIM');
}

async function openSession(
  options: StartOptions,
  tuning: DownloaderTuning,
  makeKit: (resume: ResumeState | null) => MarketKit,
  mode: Mode,
): Promise<Session> {
  if (options.noDb) {
    if (options.profile !== null)
      throw new StoreError('--profile needs the database (it is where profiles are saved); drop --no-db');
    return assembleSession(options, tuning, null, makeKit(null));
  }
  const path = resolveDatabasePath(options.dbPath);
  const existed = existsSync(path);
  const connection = await openStore(path);
  let lock: RunLock | null = null;
  try {
    lock = acquireRunLock(path);
    const profile = options.profile === null ? null : await loadProfile(connection, options.profile);
    const run = {
      fresh: options.fresh,
      startingCash: options.cash,
      mode,
      seed: mode === 'SIM' ? options.seed : null,
      options: describeOptions(options),
      version: readVersion(),
      equityPoints: options.equityPoints,
    };
    // Everything that can refuse the start comes before the first write.
    const saved = await findSavedPortfolio(connection, run);
    if (saved.resume !== null) checkResumable(options, saved.resume, path, mode);
    const kit = makeKit(saved.resume);
    const started = await recordRunStart(connection, saved, run);
    const prefix = orderIdPrefix(kit.mode, started.runId);
    await recordOrderIdPrefix(connection, started.runId, prefix);
    if (kit.orderHistory !== undefined)
      await reconcileAtStart(connection, kit, started.portfolioId, started.runId, started.resume);
    const startingCash = started.resume === null ? kit.newPortfolioCash : started.startingCash;
    const writer = new SqliteTradingRecord(connection, started.runId, started.portfolioId, options.cacheTtlMs);
    return assembleSession(
      options,
      tuning,
      {
        path,
        connection,
        writer,
        lock,
        runId: started.runId,
        resume: started.resume,
        detectorConfig: profile?.config,
        profileNotice: profile?.notice ?? null,
        startingCash,
        portfolioId: started.portfolioId,
        orderIdPrefix: prefix,
      },
      kit,
    );
  } catch (error) {
    lock?.release();
    await connection.close().catch(() => undefined);
    // A refused start leaves no trace: a database file it created goes again.
    if (!existed) for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
    throw error;
  }
}

function simKit(options: StartOptions, resume: ResumeState | null): MarketKit {
  const saved = resume?.checkpoint.market;
  const market = new SimulatedMarket({
    seed: options.seed,
    symbols: options.symbols,
    timeframe: options.timeframe,
    periodDays: options.periodDays,
    faults: simFaults(options),
    barCount: saved?.kind === 'sim' ? saved.barCount : undefined,
  });
  return {
    mode: 'SIM',
    source: market,
    clock: market,
    broker: new PaperBroker(),
    concurrency: options.concurrency,
    seed: options.seed,
    // The simulated prices depend on the seed and on the symbols, in order.
    cacheSource: `sim:${options.seed}:${hashString(options.symbols.join(',')).toString(36)}`,
    newPortfolioCash: options.cash,
    trueRegime: () => market.currentTrueRegime(),
    checkpoint: () => ({
      kind: 'sim',
      seed: options.seed,
      barCount: market.barCount,
      timeframe: options.timeframe,
      symbols: options.symbols,
    }),
    close: async () => {},
  };
}

function assembleSession(
  options: StartOptions,
  tuning: DownloaderTuning,
  persistence: Persistence | null,
  kit: MarketKit,
): Session {
  const resume = persistence?.resume ?? null;
  const cache =
    persistence === null || kit.cacheSource === null
      ? null
      : new CachedMarketData(kit.source, persistence.connection, persistence.writer, {
          source: kit.cacheSource,
          ttlMs: options.cacheTtlMs,
          marketNow: () => kit.clock.now(),
        });
  const source: MarketDataSource = cache ?? kit.source;
  let engine: TradingEngine | null = null;
  const downloader = new Downloader({
    concurrency: kit.concurrency,
    timeoutMs: options.timeoutMs,
    ...tuning,
    onStateChange: (change) => engine?.reportDownload(change),
  });
  const record: TradingRecord | undefined = persistence?.writer;
  engine = new TradingEngine(
    {
      mode: kit.mode,
      symbols: options.symbols,
      timeframe: options.timeframe,
      periodDays: options.periodDays,
      iterations: options.iterations,
      intervalMs: options.intervalMs,
      equityPoints: options.equityPoints,
      startingCash: persistence?.startingCash ?? kit.newPortfolioCash,
      risk: options.risk,
      seed: kit.seed,
      periodText: options.periodText,
      detectorConfig: persistence?.detectorConfig,
      startNotices: persistence?.profileNotice == null ? undefined : [persistence.profileNotice],
      orderIdPrefix: persistence?.orderIdPrefix ?? orderIdPrefix(kit.mode, null),
      resume: resume ?? undefined,
      brokerState: kit.brokerState,
    },
    {
      bars: new DownloadedBars(downloader, source, options.timeframe),
      clock: kit.clock,
      record,
      broker: kit.broker,
      marketHours: kit.marketHours,
      marketCheckpoint: () => kit.checkpoint(),
      ...(kit.trueRegime === undefined ? {} : { trueRegime: kit.trueRegime }),
    },
  );
  const session = engine;
  return {
    engine: session,
    downloader,
    databasePath: persistence?.path ?? null,
    resume,
    cacheCounts: () => (cache === null ? null : { fromCache: cache.barsFromCache, fromSource: cache.barsFromSource }),
    run: async () => {
      try {
        return await session.run();
      } finally {
        downloader.close();
        await kit.close();
        if (persistence !== null) {
          try {
            if (kit.orderHistory !== undefined) await reconcileAtStop(persistence, kit.orderHistory, session);
            await persistence.writer.close();
          } finally {
            await persistence.connection.close();
            persistence.lock.release();
          }
        }
      }
    },
  };
}

/** Margin before the previous run's start: clocks differ a little between here and the broker. */
const RECONCILE_MARGIN_MS = 60_000;
/** At stop, orders still open at the broker are looked at again for this long (market orders fill in moments). */
const STOP_RECONCILE_WAIT_MS = 2_000;
const STOP_RECONCILE_POLL_MS = 400;

/** Fills and final states the broker has and the record lacks (made while the bot was down), before the loop. */
async function reconcileAtStart(
  connection: SqliteConnection,
  kit: MarketKit,
  portfolioId: number,
  runId: number,
  resume: ResumeState | null,
): Promise<void> {
  const history = kit.orderHistory;
  const since = await previousRunStart(connection, portfolioId, runId);
  if (history === undefined || since === null) return;
  try {
    const { notices } = await reconcileOrders(connection, history, {
      portfolioId,
      runId,
      since: since - RECONCILE_MARGIN_MS,
      regime: resume?.checkpoint.regime.current ?? 'range',
    });
    for (const message of notices) kit.notify?.(message);
  } catch (error) {
    kit.notify?.(`could not reconcile the record with Alpaca's orders: ${(error as Error).message}`);
  }
}

/** The stop: fills of this run's last orders that the loop did not take, written before the run ends. */
async function reconcileAtStop(
  persistence: Persistence,
  history: BrokerOrderHistory,
  engine: TradingEngine,
): Promise<void> {
  await persistence.writer.flush();
  const started = Date.now();
  const since =
    ((
      await persistence.connection.get<{ started: number }>('SELECT started_at AS started FROM runs WHERE id = ?', [
        persistence.runId,
      ])
    )?.started ?? started) - RECONCILE_MARGIN_MS;
  for (;;) {
    try {
      const { stillWorking } = await reconcileOrders(persistence.connection, history, {
        portfolioId: persistence.portfolioId,
        runId: persistence.runId,
        since,
        regime: engine.getSnapshot().regime.current,
        recordNotices: true,
      });
      if (stillWorking === 0 || Date.now() - started >= STOP_RECONCILE_WAIT_MS) return;
    } catch {
      // Alpaca out of reach at stop: the next start reconciles.
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, STOP_RECONCILE_POLL_MS));
  }
}

/** What the runs table keeps of the options: everything given on the command line (no credentials exist here). */
function describeOptions(options: StartOptions): Record<string, unknown> {
  const { command: _command, headless: _headless, json: _json, fps: _fps, ...kept } = options;
  return kept;
}

function checkResumable(options: StartOptions, resume: ResumeState, path: string, mode: Mode): void {
  const saved = resume.checkpoint.market;
  if (saved.kind === 'alpaca') {
    // Alpaca holds the account: any symbols and timeframe may continue it; only paper and live never mix.
    if (saved.live !== (mode === 'LIVE')) {
      throw new StoreError(
        `the portfolio in ${path} trades Alpaca ${saved.live ? 'live' : 'paper'}; start ${saved.live ? 'with' : 'without'} --live to continue it, or with --fresh (or another --db) for a new portfolio`,
      );
    }
    return;
  }
  if (mode !== 'SIM') {
    throw new StoreError(
      `the portfolio in ${path} trades the simulated market; start with --broker sim to continue it, or with --fresh (or another --db) for a new Alpaca portfolio`,
    );
  }
  // The simulated prices depend on the order of the symbols too.
  const sameSymbols =
    saved.symbols.length === options.symbols.length && saved.symbols.every((s, i) => options.symbols[i] === s);
  if (saved.seed !== options.seed || saved.timeframe !== options.timeframe || !sameSymbols) {
    throw new StoreError(
      `the portfolio in ${path} trades the simulated market with --seed ${saved.seed}, --timeframe ${saved.timeframe} and ${formatCount(saved.symbols.length, 'symbol')} (${abbreviate(saved.symbols)}); start with the same options, symbols in the same order, to continue it, or with --fresh for a new portfolio`,
    );
  }
}

/** Alpaca keeps client_order_ids per account forever (other databases, other machines): add the start time. */
function orderIdPrefix(mode: Mode, runId: number | null): string {
  const run = runId === null ? '' : `r${runId}-`;
  return mode === 'SIM' ? `tt-${run}` : `tt-${run}${Date.now().toString(36)}-`;
}

const abbreviate = (symbols: readonly string[]): string =>
  symbols.length <= 6 ? symbols.join(',') : `${symbols.slice(0, 5).join(',')},…`;

/** Runs with plain output; SIGINT and SIGTERM stop at the next iteration boundary. */
export async function runHeadless(options: StartOptions, session: Session): Promise<RunSummary> {
  const printer = new HeadlessPrinter(process.stdout, options.json);
  const unsubscribe = session.engine.onLoopEvent((event) => printer.print(event));
  session.engine.setFlowControl(() => printer.waitForDrain());
  // A reader that goes away (`| head`) ends the run quietly, as it would for any Unix filter.
  const onOutputError = (error: NodeJS.ErrnoException): void => {
    printer.close();
    session.engine.stop();
    if (error.code !== 'EPIPE') {
      process.stderr.write(`trading-tui: cannot write the output: ${error.message}\n`);
      process.exitCode = 1;
    }
  };
  process.stdout.on('error', onOutputError);
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    session.engine.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await session.run();
  } finally {
    printer.flush();
    unsubscribe();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.stdout.off('error', onOutputError);
  }
}
