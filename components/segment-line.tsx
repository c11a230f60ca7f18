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
  return (
    <Text wrap="truncate">
      {kept.map((s, i) => (
        <Text key={s.key}>
          {i > 0 ? separator : ''}
          <Text bold={s.bold ?? false} dimColor={s.dim ?? false} color={s.color} backgroundColor={s.backgroundColor}>
            {s.text}
          </Text>
        </Text>
      ))}
    </Text>
  );
}
