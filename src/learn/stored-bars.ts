/** Reads the bar cache into columns for the replay market. */
import { TIMEFRAMES, type Timeframe } from '../core/model.js';
import { barColumns, setBar } from '../core/bar-columns.js';
import { StoreError } from '../store/open-store.js';
import type { SqliteConnection } from '../store/sqlite-connection.js';
import type { SymbolBars } from './replay-market.js';

/** Fewer bars than this per symbol give a backtest too short to tell configurations apart. */
export const MIN_BARS_PER_SYMBOL = 500;

export interface StoredBars {
  readonly source: string;
  readonly timeframe: Timeframe;
  readonly series: readonly SymbolBars[];
}

/**
 * Loads the bars of one source and timeframe (the one with the most bars for the chosen symbols),
 * for `symbols`, or every symbol stored there when null. Throws StoreError when there are too few.
 */
export async function loadStoredBars(
  connection: SqliteConnection,
  symbols: readonly string[] | null,
): Promise<StoredBars> {
  const where = symbols === null ? '' : `WHERE symbol IN (${symbols.map(() => '?').join(', ')})`;
  const group = await connection.get<{ source: string; timeframe: string; n: number }>(
    `SELECT source, timeframe, count(*) AS n FROM bar_cache ${where} GROUP BY source, timeframe ORDER BY n DESC LIMIT 1`,
    symbols ?? [],
  );
  const path = connection.path;
  if (group === undefined) {
    const which = symbols === null ? '' : ` for ${symbols.join(', ')}`;
    throw new StoreError(`no stored bars${which} in ${path} (the bot caches bars as it downloads them; run it first)`);
  }
  const timeframe = TIMEFRAMES.find((t) => t === group.timeframe);
  if (timeframe === undefined)
    throw new StoreError(`stored bars in ${path} have an unknown timeframe ${JSON.stringify(group.timeframe)}`);

  const counts = await connection.all<{ symbol: string; n: number }>(
    `SELECT symbol, count(*) AS n FROM bar_cache WHERE source = ? AND timeframe = ? ${symbols === null ? '' : `AND symbol IN (${symbols.map(() => '?').join(', ')})`} GROUP BY symbol ORDER BY symbol`,
    [group.source, group.timeframe, ...(symbols ?? [])],
  );
  const found = new Set(counts.map((c) => c.symbol));
  const missing = (symbols ?? []).filter((s) => !found.has(s));
  if (missing.length > 0)
    throw new StoreError(`no stored ${group.source} ${timeframe} bars for ${missing.join(', ')} in ${path}`);
  const short = counts.filter((c) => c.n < MIN_BARS_PER_SYMBOL);
  if (short.length > 0) {
    const list = short
      .slice(0, 5)
      .map((c) => `${c.symbol} has ${c.n}`)
      .join(', ');
    throw new StoreError(
      `too few stored bars to tune on: ${list}${short.length > 5 ? ', …' : ''}; need at least ${MIN_BARS_PER_SYMBOL} ${timeframe} bars per symbol in ${path}`,
    );
  }

  const series: SymbolBars[] = [];
  for (const { symbol, n } of counts) {
    const bars = barColumns(n);
    let i = 0;
    await connection.each<{ time: number; open: number; high: number; low: number; close: number; volume: number }>(
      'SELECT time, open, high, low, close, volume FROM bar_cache WHERE source = ? AND symbol = ? AND timeframe = ? ORDER BY time',
      [group.source, symbol, group.timeframe],
      (row) => {
        // A bot may add bars while this reads; the count taken above is the bound.
        if (i >= n) return;
        setBar(bars, i, row);
        i++;
      },
    );
    series.push(i === n ? { symbol, ...bars } : truncate({ symbol, ...bars }, i));
  }
  return { source: group.source, timeframe, series };
}

function truncate(bars: SymbolBars, length: number): SymbolBars {
  return {
    symbol: bars.symbol,
    time: bars.time.slice(0, length),
    open: bars.open.slice(0, length),
    high: bars.high.slice(0, length),
    low: bars.low.slice(0, length),
    close: bars.close.slice(0, length),
    volume: bars.volume.slice(0, length),
  };
}
