/**
 * Statements that write many rows at once (`INSERT … VALUES (…), (…), …`): each statement is a trip to
 * SQLite's thread and back, so an iteration's fills go in one statement, not one each. A batch is cut
 * into chunks whose sizes are powers of two (at most MAX_ROWS_PER_STATEMENT), so each table has at most
 * seven statement texts, each prepared once and reused.
 */
import type { SqlValue, SqliteConnection } from './sqlite-connection.js';

export const MAX_ROWS_PER_STATEMENT = 64;

/** The chunk sizes for `rows` rows, in order: full chunks, then the powers of two of the rest, largest first. */
export function chunkSizes(rows: number): number[] {
  const sizes: number[] = [];
  let left = rows;
  while (left >= MAX_ROWS_PER_STATEMENT) {
    sizes.push(MAX_ROWS_PER_STATEMENT);
    left -= MAX_ROWS_PER_STATEMENT;
  }
  for (let size = MAX_ROWS_PER_STATEMENT / 2; size >= 1; size /= 2) {
    if (left >= size) {
      sizes.push(size);
      left -= size;
    }
  }
  return sizes;
}

export class MultiRowInsert {
  private readonly texts = new Map<number, string>();
  readonly columns: number;

  /** `row` is one row's placeholders, e.g. `(?, ?, ?)`; the rows go between `prefix` and `suffix`. */
  constructor(
    private readonly prefix: string,
    private readonly row: string,
    private readonly suffix = '',
  ) {
    this.columns = row.split('?').length - 1;
  }

  /** The statement text for `rows` rows. */
  sql(rows: number): string {
    let text = this.texts.get(rows);
    if (text === undefined) {
      text = this.prefix + new Array<string>(rows).fill(this.row).join(', ') + this.suffix;
      this.texts.set(rows, text);
    }
    return text;
  }

  /** Writes the rows whose values are `values` (row after row, `columns` each), in order. */
  async run(connection: SqliteConnection, values: readonly SqlValue[]): Promise<void> {
    const rows = values.length / this.columns;
    if (!Number.isInteger(rows)) throw new Error(`${values.length} values are not rows of ${this.columns}`);
    let start = 0;
    for (const size of chunkSizes(rows)) {
      const params = size === rows ? values : values.slice(start * this.columns, (start + size) * this.columns);
      await connection.run(this.sql(size), params);
      start += size;
    }
  }
}
