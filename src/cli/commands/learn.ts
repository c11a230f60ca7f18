/** `trading-tui learn report|tune`: what the record says about each regime, and tuning the detector on stored bars. */
import { existsSync } from 'node:fs';
import { formatDuration, formatPercent, formatSignedPercent } from '../../core/format.js';
import { formatCount } from '../../core/plural.js';
import { OBJECTIVE, historyBarsFor } from '../../learn/backtest.js';
import { DEFAULT_PROFILE_NAME, saveProfile } from '../../learn/profiles.js';
import { ReplayMarket } from '../../learn/replay-market.js';
import { buildRegimeReport, type RegimeReport } from '../../learn/report.js';
import { loadStoredBars, type StoredBars } from '../../learn/stored-bars.js';
import { DEFAULT_MAX_SETS, GRID_SIZE, tune, type TrialResult, type TuningResult } from '../../learn/tune.js';
import { StoreError, openStore, resolveDatabasePath } from '../../store/open-store.js';
import { UsageError, parseInteger, parseSymbols } from '../parse-values.js';
import { dbFlag, parseFlags, subcommand } from './flags.js';
import { commandAt } from '../command-table.js';
import { formatTable } from './text-table.js';

const write = (text: string): void => {
  process.stdout.write(text);
};

export async function runCommand(args: readonly string[]): Promise<number> {
  const { name, rest } = subcommand('learn', args, ['report', 'tune'] as const);
  return name === 'report' ? report(rest) : tuneCommand(rest);
}

// ---- report ---------------------------------------------------------------------------------------

async function report(args: readonly string[]): Promise<number> {
  const flags = parseFlags(commandAt('learn', 'report'), args);
  const runText = flags.values.get('--run');
  const runId = runText === undefined ? null : parseInteger('--run', runText, 1, Number.MAX_SAFE_INTEGER, 'a run id');
  const path = resolveDatabasePath(dbFlag(flags));
  const connection = await openStore(path, { readonly: true });
  let result: RegimeReport;
  try {
    result = await buildRegimeReport(connection, runId);
  } finally {
    await connection.close();
  }
  if (flags.switches.has('--json')) {
    write(`${JSON.stringify({ path, ...result })}\n`);
    return 0;
  }
  const scope = result.run === null ? `all ${formatCount(result.runs, 'run')}` : `run ${result.run}`;
  write(
    `performance by regime, ${scope}: ${formatCount(result.equityPoints, 'equity point')}, ${formatCount(result.fills, 'fill')} (${path})\n`,
  );
  write(
    formatTable(
      [
        { header: 'regime' },
        { header: 'time', align: 'right' },
        { header: 'bars', align: 'right' },
        { header: 'trades', align: 'right' },
        { header: 'round trips', align: 'right' },
        { header: 'hit rate', align: 'right' },
        { header: 'return', align: 'right' },
        { header: 'max drawdown', align: 'right' },
      ],
      result.regimes.map((r) => [
        r.regime,
        r.intervals === 0 ? '-' : formatDuration(r.timeMs),
        String(r.intervals),
        String(r.trades),
        String(r.roundTrips),
        r.hitRate === null ? '-' : formatPercent(r.hitRate, 1),
        formatSignedPercent(r.return),
        formatPercent(r.maxDrawdown, 2),
      ]),
    ),
  );
  write('time: bars in the regime × the bar spacing; each bar counts for the regime in force at its start.\n');
  write('hit rate: sells closing (part of) a position above its average cost, fees included.\n');
  write(describeModel(result));
  return 0;
}

function describeModel(result: RegimeReport): string {
  const model = result.model;
  if (model === null) return '\nno regime model saved yet (the detector saves one each time it fits)\n';
  const bps = (x: number): string => `${(x * 10_000).toFixed(2)} bp`;
  const factor = model.factorFeatures;
  const volume = model.regimes.every((r) => r.moveScale !== undefined);
  const over =
    (factor
      ? "the market's move (GLS over the symbols' betas) and the symbols' dispersion in their own noise"
      : "each bar's mean log return and dispersion of the symbols") +
    (volume ? ', and how large the moves are for their volume' : '');
  return (
    `\nregime model in force at ${new Date(model.time).toISOString()} (run ${model.runId}): a hidden Markov model over ${over}\n` +
    formatTable(
      [
        { header: 'regime' },
        { header: 'mean return', align: 'right' },
        { header: 'sd', align: 'right' },
        { header: 'dispersion', align: 'right' },
        ...(volume ? [{ header: 'moves for volume', align: 'right' as const }] : []),
        { header: 'P(stay)', align: 'right' },
        { header: 'expected duration', align: 'right' },
      ],
      model.regimes.map((r) => [
        r.regime,
        bps(r.meanReturn),
        bps(r.returnSd),
        factor ? `${r.dispersion.toFixed(3)}×` : bps(r.dispersion),
        ...(volume ? [`${(r.moveScale ?? Number.NaN).toFixed(2)}×`] : []),
        r.stayProbability.toFixed(4),
        Number.isFinite(r.expectedBars) ? `${Math.round(r.expectedBars).toLocaleString('en-US')} bars` : 'never leaves',
      ]),
    ) +
    (factor
      ? "per bar; dispersion: the typical size of the symbols' moves apart from the market's, as a multiple of each one's usual noise.\n"
      : "per bar; dispersion: the typical standard deviation of the symbols' returns across the universe.\n") +
    (volume
      ? "moves for volume: how large the symbols' moves are for the volume they draw, as a multiple of their usual (below 1: heavy trading for small moves).\n"
      : '')
  );
}

// ---- tune -----------------------------------------------------------------------------------------

const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

async function tuneCommand(args: readonly string[]): Promise<number> {
  const flags = parseFlags(commandAt('learn', 'tune'), args);
  const symbolsText = flags.values.get('--symbols');
  const symbols = symbolsText === undefined ? null : parseSymbols('--symbols', symbolsText);
  const maxSetsText = flags.values.get('--max-sets');
  const maxSets =
    maxSetsText === undefined
      ? DEFAULT_MAX_SETS
      : parseInteger('--max-sets', maxSetsText, 1, GRID_SIZE, 'a number of settings to try');
  const name = flags.values.get('--save') ?? DEFAULT_PROFILE_NAME;
  if (!PROFILE_NAME.test(name))
    throw new UsageError(
      `--save expects a profile name of letters, digits, '.', '_' or '-' (got ${JSON.stringify(name)})`,
    );
  const path = resolveDatabasePath(dbFlag(flags));
  // openStore would create a missing file, which has no bars to tune on anyway.
  if (!existsSync(path)) throw new StoreError(`no database at ${path} (give --db)`);
  const connection = await openStore(path);
  try {
    const bars = await loadStoredBars(connection, symbols);
    write(describeData(bars));
    write(`objective: ${OBJECTIVE}\n`);
    const progress = process.stderr.isTTY
      ? (_: TrialResult, i: number, n: number) => process.stderr.write(`\rbacktest ${i}/${n}${i === n ? '\n' : ''}`)
      : undefined;
    const result = tune(bars, maxSets, progress);
    write(describeResult(result));
    await saveProfile(connection, {
      name,
      createdAt: Date.now(),
      objective: `${OBJECTIVE}; ${bars.source} ${bars.timeframe} bars of ${bars.series.map((s) => s.symbol).join(',')}`,
      score: result.best.score,
      config: result.best.config,
    });
    const which = result.best === result.baseline ? 'the default settings scored best; saved them' : 'saved the best';
    write(`${which} as profile "${name}" in ${path} (use it with: trading-tui start --profile ${name})\n`);
    return 0;
  } finally {
    await connection.close();
  }
}

function describeData(bars: StoredBars): string {
  const replay = new ReplayMarket(bars.series, historyBarsFor);
  const history = replay.steps.length - replay.remaining;
  const symbols = bars.series.map((s) => s.symbol);
  const shown = symbols.length > 8 ? `${symbols.slice(0, 8).join(', ')}, …` : symbols.join(', ');
  return (
    `tuning on ${formatCount(symbols.length, 'symbol')} (${shown}): ${bars.source} ${bars.timeframe} bars, ${formatCount(replay.steps.length, 'step')} (${history} as history, ${replay.remaining} backtested)\n` +
    'walk-forward: each setting fits the regime model on the history part only and is scored on the rest\n'
  );
}

function describeResult(result: TuningResult): string {
  const row = (label: string, t: TrialResult): string[] => [
    label,
    String(t.config.threshold),
    String(t.config.dwell),
    String(t.config.window),
    formatSignedPercent(t.return),
    formatPercent(t.maxDrawdown, 2),
    String(t.trades),
    t.score.toFixed(3),
  ];
  const right = 'right' as const;
  return (
    `${formatCount(result.trials.length, 'setting')} tried\n` +
    formatTable(
      [
        { header: 'settings' },
        { header: 'threshold', align: right },
        { header: 'dwell', align: right },
        { header: 'window', align: right },
        { header: 'return', align: right },
        { header: 'max drawdown', align: right },
        { header: 'trades', align: right },
        { header: 'score', align: right },
      ],
      [row('default', result.baseline), row('best', result.best)],
    )
  );
}
