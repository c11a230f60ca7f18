import type { ReactNode } from 'react';
import { Text } from 'ink';
import { fitSegments, type LineSegment } from './text-fit.js';

export interface SegmentLineProps {
  readonly segments: readonly LineSegment[];
  readonly width: number;
  readonly separator?: string;
}

/** One line of styled segments; the least important ones are dropped when it would not fit. */
export function SegmentLine({ segments, width, separator = '  ' }: SegmentLineProps): ReactNode {
  const kept = fitSegments(segments, width, separator);
  // Plain text between styled segments stays one string: only a styled segment is an element of its own.
  const children: ReactNode[] = [];
  let plain = '';
  kept.forEach((s, i) => {
    if (i > 0) plain += separator;
    if (s.bold !== true && s.dim !== true && s.color === undefined && s.backgroundColor === undefined) {
      plain += s.text;
      return;
    }
    if (plain !== '') children.push(plain);
    plain = '';
    children.push(
      <Text
        key={s.key}
        bold={s.bold ?? false}
        dimColor={s.dim ?? false}
        color={s.color}
        backgroundColor={s.backgroundColor}
      >
        {s.text}
      </Text>,
    );
  });
  if (plain !== '') children.push(plain);
  return <Text wrap="truncate">{children}</Text>;
}
