import type { Position } from '../core/model.js';
import type { PositionView } from './snapshot.js';

/** Positions as the UI shows them: value, unrealized P&L and weight, largest first, frozen. */
export function toPositionViews(positions: Iterable<Position>, equity: number): readonly PositionView[] {
  const views: PositionView[] = [];
  for (const p of positions) {
    const marketValue = p.qty * p.lastPrice;
    views.push(
      Object.freeze({
        symbol: p.symbol,
        qty: p.qty,
        avgPrice: p.avgPrice,
        lastPrice: p.lastPrice,
        marketValue,
        unrealizedPnl: p.qty * (p.lastPrice - p.avgPrice),
        weight: equity > 0 ? marketValue / equity : 0,
      }),
    );
  }
  views.sort((a, b) => b.marketValue - a.marketValue);
  return Object.freeze(views);
}
