/**
 * The bounds of what is held in memory and drawn, in one place: the argument parser, the help, the
 * engine, resume, watch and maintenance all read them from here.
 */

/** Equity points in the chart's ring (`--equity-points`), and what a restart and watch load back. */
export const DEFAULT_EQUITY_POINTS = 1440;
export const MIN_EQUITY_POINTS = 10;
export const MAX_EQUITY_POINTS = 1_000_000;

/**
 * Events kept for the events panel (and loaded back by a restart and by watch). At 10-55 fills a bar
 * this is 20-100 bars: the rows on the panel's top line must outlive half a page of new rows, or the
 * log would move every bar.
 */
export const EVENT_CAPACITY = 1000;

/** Regime changes kept (and loaded back by a restart and by watch). */
export const REGIME_HISTORY_CAPACITY = 256;

/** Terminal UI frames per second at most (`--fps`). */
export const DEFAULT_FPS = 10;
export const MIN_FPS = 1;
export const MAX_FPS = 60;

/** Each symbol's newest closes kept for the drill-down chart (a session of 1-minute bars, 26 days of 15-minute ones). */
export const SYMBOL_PRICE_POINTS = 390;
/** Each symbol's newest fills kept for the drill-down. */
export const SYMBOL_FILLS = 50;
