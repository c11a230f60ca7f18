import type { ReactNode } from 'react';
import { Text } from 'ink';
import type { PositionView } from '../src/engine/snapshot.js';
import { formatCount } from '../src/core/plural.js';
import { truncate } from './text-fit.js';

/** What the kill switch will sell, as many as fit: `17 AAPL, 5 MSFT and 40 more`. */
export function closeAllQuestion(positions: readonly PositionView[], width: number): string {
  const answer = '  y: yes, any other key: no';
  if (positions.length === 0) return truncate(`Nothing is held. Stop new buys?${answer}`, width);
  const head = `Sell all ${formatCount(positions.length, 'position')} at market and stop new buys: `;
  const names = positions.map((p) => `${p.qty} ${p.symbol}`);
  for (let shown = names.length; shown >= 1; shown--) {
    const rest = names.length - shown;
    const list = names.slice(0, shown).join(', ') + (rest > 0 ? ` and ${rest} more` : '');
    const text = `${head}${list}?${answer}`;
    if ([...text].length <= width) return text;
  }
  return truncate(`${head}${names.length} symbols?${answer}`, width);
}

export interface ConfirmBarProps {
  readonly positions: readonly PositionView[];
  readonly width: number;
}

/** Replaces the status bar while the kill switch waits for its `y`. */
export function ConfirmBar({ positions, width }: ConfirmBarProps): ReactNode {
  return (
    <Text wrap="truncate" bold color="black" backgroundColor="yellow">
      {closeAllQuestion(positions, width).padEnd(width)}
    </Text>
  );
}
