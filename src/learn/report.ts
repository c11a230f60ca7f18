/** `learn report`: performance by regime, streamed from the database row by row. */
import { REGIME_NAMES } from '../core/regime-types.js';
import { expectedDurations, type HmmParams } from '../core/hmm/model.js';
import { isFactorFeatures, modelFeatures, readModel } from '../core/hmm/saved-model.js';
import { StoreError } from '../store/open-store.js';
import type { SqliteConnection } from '../store/sqlite-connection.js';
import { EquityByRegime, TradesByRegime, combine, type RegimePerformance } from './regime-performance.js';

export interface RegimeReport {
  /** The run reported on, or null for every run. */
  readonly run: number | null;
  readonly runs: number;
  readonly equityPoints: number;
  readonly fills: number;
  readonly regimes: readonly RegimePerformance[];
  /** The regime detector's newest saved model (of the run, or of any run), per regime; null when none was saved. */
  readonly model: RegimeModelReport | null;
}

export interface RegimeModelRow {
  readonly regime: string;
  /** Mean and standard deviation of the universe's mean log return per bar. */
  readonly meanReturn: number;
  readonly returnSd: number;
  /**
   * Typical cross-sectional standard deviation of the symbols' returns per bar (exp of the mean log);
   * with factor features, of their residuals in units of each symbol's own noise.
   */
  readonly dispersion: number;
  /**
   * With the volume feature: how large the moves are for the volume they draw, as a multiple of the
   * symbols' usual (exp of the mean volume-implied move scale); absent for models saved before it.
   */
  readonly moveScale?: number;
  readonly stayProbability: number;
  /** Mean spell length in bars: 1 / (1 − P(stay)). */
  readonly expectedBars: number;
}

export interface RegimeModelReport {
  /** Market time of the bar the model was put in force at. */
  readonly time: number;
  readonly runId: number;
  /**
   * The model's features: the factor ones (the move by GLS, dispersion in the symbols' own noise, so
   * `dispersion` is a multiple of it, about 1) or the plain ones (models saved before them).
   */
  readonly factorFeatures: boolean;
  readonly regimes: readonly RegimeModelRow[];
}

async function newestModel(connection: SqliteConnection, runId: number | null): Promise<RegimeModelReport | null> {
  const row = await connection.get<{ run_id: number; time: number; model: string }>(
    `SELECT run_id, time, model FROM regime_models ${runId === null ? '' : 'WHERE run_id = ?'} ORDER BY id DESC LIMIT 1`,
    runId === null ? [] : [runId],
  );
  if (row === undefined) return null;
  let params: HmmParams | null;
  let factorFeatures = false;
  try {
    const value: unknown = JSON.parse(row.model);
    params = readModel(value);
    factorFeatures = isFactorFeatures(modelFeatures(value));
  } catch {
    params = null;
  }
  if (params === null)
    throw new StoreError(`the regime model saved by run ${row.run_id} in ${connection.path} is damaged`);
  const p = params;
  const D = p.features;
  const durations = expectedDurations(p);
  return {
    time: row.time,
    runId: row.run_id,
    factorFeatures,
    regimes: REGIME_NAMES.map((regime, k) => ({
      regime,
      meanReturn: p.means[k * D] as number,
      returnSd: Math.sqrt(p.variances[k * D] as number),
      dispersion: Math.exp(p.means[k * D + 1] as number),
      ...(D > 2 ? { moveScale: Math.exp(p.means[k * D + 2] as number) } : {}),
      stayProbability: p.transition[k * p.states + k] as number,
      expectedBars: durations[k] as number,
    })),
  };
}

interface FillQueryRow {
  readonly run_id: number;
  readonly portfolio_id: number;
  readonly symbol: string;
  readonly side: string;
  readonly qty: number;
  readonly price: number;
  readonly fee: number;
  readonly regime: string;
}

/** Reports on one run (`runId`) or on all of them (null). */
export async function buildRegimeReport(connection: SqliteConnection, runId: number | null): Promise<RegimeReport> {
  let portfolioId: number | null = null;
  if (runId !== null) {
    const run = await connection.get<{ portfolio_id: number }>('SELECT portfolio_id FROM runs WHERE id = ?', [runId]);
    if (run === undefined)
      throw new StoreError(`no run ${runId} in ${connection.path} (maintenance stats lists the runs)`);
    portfolioId = run.portfolio_id;
  }
  const runs = (await connection.get<{ n: number }>('SELECT count(*) AS n FROM runs'))?.n ?? 0;
  if (runs === 0) throw new StoreError(`no runs recorded in ${connection.path} yet (start the bot first)`);

  const equity = new EquityByRegime();
  const equityPoints = await connection.each<{ run_id: number; time: number; equity: number; regime: string }>(
    `SELECT run_id, time, equity, regime FROM equity_points ${runId === null ? '' : 'WHERE run_id = ?'} ORDER BY run_id, iteration`,
    runId === null ? [] : [runId],
    (row) => equity.add(row.run_id, row.time, row.equity, row.regime),
  );
  equity.finishRun();

  // A run can sell what an earlier run of the same portfolio bought (a restart): the earlier fills
  // are read too, to know the cost, but only the reported run's fills are counted.
  const trades = new TradesByRegime();
  let fills = 0;
  const filter = runId === null ? '' : 'WHERE r.portfolio_id = ? AND f.run_id <= ?';
  await connection.each<FillQueryRow>(
    `SELECT f.run_id, r.portfolio_id, f.symbol, f.side, f.qty, f.price, f.fee, f.regime
     FROM fills f JOIN runs r ON r.id = f.run_id ${filter} ORDER BY f.time, f.id`,
    runId === null ? [] : [portfolioId, runId],
    (row) => {
      const counted = runId === null || row.run_id === runId;
      if (counted) fills++;
      trades.add(
        {
          portfolioId: row.portfolio_id,
          symbol: row.symbol,
          side: row.side,
          qty: row.qty,
          price: row.price,
          fee: row.fee,
          regime: row.regime,
        },
        counted,
      );
    },
  );
  return {
    run: runId,
    runs: runId === null ? runs : 1,
    equityPoints,
    fills,
    regimes: combine(equity, trades, REGIME_NAMES),
    model: await newestModel(connection, runId),
  };
}
