import type { ReactNode } from 'react';
import { Text } from 'ink';
import { padLeft, padRight } from './text-fit.js';

export interface TableCell {
  readonly text: string;
  readonly color?: string | undefined;
}

export interface TableColumn {
  readonly key: string;
  readonly header: string;
  readonly align: 'left' | 'right';
  /** Columns with the highest rank are dropped first when the table is too wide. */
  readonly rank: number;
}

const GAP = 2;

/** The columns that fit `width`, each with the width of its widest cell. */
export function fitColumns(
  columns: readonly TableColumn[],
  rows: readonly (readonly TableCell[])[],
  width: number,
): { readonly column: TableColumn; readonly index: number; readonly width: number }[] {
  const sized = columns.map((column, index) => ({
    column,
    index,
    width: Math.max(column.header.length, ...rows.map((row) => row[index]?.text.length ?? 0)),
  }));
  const total = (list: readonly { width: number }[]): number =>
    list.reduce((sum, c) => sum + c.width, 0) + GAP * Math.max(0, list.length - 1);
  while (sized.length > 1 && total(sized) > width) {
    let worst = 0;
    sized.forEach((c, i) => {
      if (c.column.rank > (sized[worst]?.column.rank ?? -1)) worst = i;
    });
    sized.splice(worst, 1);
  }
  return sized;
}

export interface TextTableProps {
  readonly columns: readonly TableColumn[];
  /** All rows: column widths stay steady while scrolling. */
  readonly rows: readonly (readonly TableCell[])[];
  readonly firstRow: number;
  readonly rowCount: number;
  readonly width: number;
  /** The selected row (drawn in reverse), if any. */
  readonly selected?: number;
}

/**
 * Neighbouring pieces of one colour as one string: a row is then one Text with a nested Text per
 * coloured run (each element costs Ink and React on every frame).
 */
export function colorRuns(cells: readonly TableCell[]): TableCell[] {
  const runs: { text: string; color?: string | undefined }[] = [];
  for (const cell of cells) {
    const last = runs.at(-1);
    if (last !== undefined && last.color === cell.color) last.text += cell.text;
    else runs.push({ text: cell.text, color: cell.color });
  }
  return runs;
}

/** A header and rows on plain Text lines, sized to `width` by dropping the least important columns. */
export function TextTable({ columns, rows, firstRow, rowCount, width, selected }: TextTableProps): ReactNode {
  const fitted = fitColumns(columns, rows, width);
  const pad = (text: string, align: 'left' | 'right', w: number): string =>
    align === 'right' ? padLeft(text, w) : padRight(text, w);
  const gap = ' '.repeat(GAP);
  return (
    <>
      <Text wrap="truncate" bold>
        {fitted.map((c, i) => (i > 0 ? gap : '') + pad(c.column.header, c.column.align, c.width)).join('')}
      </Text>
      {rows.slice(firstRow, firstRow + rowCount).map((row, r) => (
        <Text key={firstRow + r} wrap="truncate" inverse={firstRow + r === selected}>
          {colorRuns(
            fitted.map((c, i) => {
              const cell = row[c.index];
              return { text: (i > 0 ? gap : '') + pad(cell?.text ?? '', c.column.align, c.width), color: cell?.color };
            }),
          ).map((run, i) =>
            run.color === undefined ? (
              run.text
            ) : (
              <Text key={i} color={run.color}>
                {run.text}
              </Text>
            ),
          )}
        </Text>
      ))}
    </>
  );
}
