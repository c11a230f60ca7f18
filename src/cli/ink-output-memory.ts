/**
 * Ink's `Output` (ink/build/output.js: the grid of styled cells a frame is drawn into, then joined into
 * the frame's text) with a memory from one frame to the next. Ink makes a new Output for every frame,
 * and with it new caches, so each frame it tokenizes every line of text again into fresh cell objects
 * (a cell and a style array per character), makes a fresh blank cell for every cell of the screen, and
 * turns every row back into text. Most lines are the same from one frame to the next, so here:
 * - the tokenized lines and the widths are kept across frames (two generations, bounded by the cells
 *   they hold: a line that is still drawn moves to the new generation, the old one is dropped whole);
 * - the screen starts from one shared blank cell (cells are replaced, never changed, by Output);
 * - a row made of the very same cells as the previous frame's row gives the previous row's text.
 * The tokenizing, the measuring and the turning back into text are Ink's own functions, so every frame
 * is the same text Ink's Output gives (test/ink-output-memory.test.ts holds them equal).
 */

/** One cell of Ink's grid (the styled characters of @alcalzone/ansi-tokenize). */
export interface StyledCell {
  readonly type: 'char';
  readonly value: string;
  readonly fullWidth: boolean;
  readonly styles: readonly unknown[];
}

/** A region writes are clipped to; an undefined bound is open (Ink's Clip). */
export interface OutputClip {
  readonly x1: number | undefined;
  readonly x2: number | undefined;
  readonly y1: number | undefined;
  readonly y2: number | undefined;
}

/** Ink's text transformers (a Text's colours, for one): a line and its index in the text. */
export type OutputTransformer = (line: string, index: number) => string;

export interface WriteOperation {
  readonly type: 'write';
  readonly x: number;
  readonly y: number;
  readonly text: string;
  readonly transformers: readonly OutputTransformer[];
}

type OutputOperation =
  { readonly type: 'clip'; readonly clip: OutputClip } | { readonly type: 'unclip' } | WriteOperation;

/** Ink's OutputCaches: what a frame measured and tokenized (its maps are public fields in Ink's build). */
export interface InkOutputCaches {
  readonly widths: Map<string, number>;
  readonly blockWidths: Map<string, number>;
  readonly styledChars: Map<string, StyledCell[]>;
  getStyledChars(line: string): StyledCell[];
  getStringWidth(text: string): number;
  getWidestLine(text: string): number;
}

/** The parts of Ink's Output this builds on (private in its types, plain fields in its build). */
export interface InkOutput {
  width: number;
  height: number;
  readonly operations: readonly OutputOperation[];
  caches: InkOutputCaches;
  write(x: number, y: number, text: string, options: { transformers: readonly OutputTransformer[] }): void;
  clip(clip: OutputClip): void;
  unclip(): void;
  sliceLineToColumns(line: string, from: number, to: number): string;
  get(): { output: string; height: number };
}

export type InkOutputClass = new (options: { width: number; height: number }) => InkOutput;

export type StyledCellsToString = (cells: readonly StyledCell[]) => string;

/** Cells of tokenized lines kept per generation: a 200×60 screen is 12,000 cells. */
export const REMEMBERED_CELLS_PER_GENERATION = 24_000;

const widthsOf = (caches: InkOutputCaches): Map<string, number> => caches.widths;
const blockWidthsOf = (caches: InkOutputCaches): Map<string, number> => caches.blockWidths;
const measureWidth = (caches: InkOutputCaches, text: string): number => caches.getStringWidth(text);
const measureWidestLine = (caches: InkOutputCaches, text: string): number => caches.getWidestLine(text);

/** One generation of what frames measured and tokenized: Ink's own caches, and the lines of each text. */
interface Generation {
  readonly ink: InkOutputCaches;
  readonly lines: Map<string, readonly string[]>;
  cells: number;
}

/**
 * Ink's caches, two generations of them: a lookup that misses the new generation and finds the old one
 * moves the entry over; when the new one holds more than `cellsPerGeneration` cells of tokenized lines
 * (or as many widths), it becomes the old one and the old one is dropped.
 */
export class RememberedOutputCaches implements InkOutputCaches {
  private current: Generation;
  private previous: Generation;

  constructor(
    private readonly freshCaches: () => InkOutputCaches,
    private readonly cellsToString: StyledCellsToString,
    private readonly cellsPerGeneration = REMEMBERED_CELLS_PER_GENERATION,
  ) {
    this.current = this.generation();
    this.previous = this.generation();
  }

  get widths(): Map<string, number> {
    return this.current.ink.widths;
  }

  get blockWidths(): Map<string, number> {
    return this.current.ink.blockWidths;
  }

  get styledChars(): Map<string, StyledCell[]> {
    return this.current.ink.styledChars;
  }

  /** Entries held (both generations), for tests. */
  get size(): number {
    const count = ({ ink, lines }: Generation): number =>
      ink.widths.size + ink.blockWidths.size + ink.styledChars.size + lines.size;
    return count(this.current) + count(this.previous);
  }

  getStyledChars(line: string): StyledCell[] {
    let cells = this.current.ink.styledChars.get(line);
    if (cells !== undefined) return cells;
    cells = this.previous.ink.styledChars.get(line);
    if (cells !== undefined) this.current.ink.styledChars.set(line, cells);
    else cells = this.current.ink.getStyledChars(line);
    this.current.cells += cells.length;
    this.rollOverWhenFull();
    return cells;
  }

  getStringWidth(text: string): number {
    return this.rememberedWidth(text, widthsOf, measureWidth);
  }

  getWidestLine(text: string): number {
    return this.rememberedWidth(text, blockWidthsOf, measureWidestLine);
  }

  /** A text's lines, each as Ink's Output makes it: the styles open at a line break carried over. */
  getLines(text: string): readonly string[] {
    let lines = this.current.lines.get(text);
    if (lines !== undefined) return lines;
    lines = this.previous.lines.get(text);
    if (lines === undefined) {
      const lineCells: StyledCell[][] = [[]];
      for (const cell of this.getStyledChars(text)) {
        if (cell.value === '\n') lineCells.push([]);
        else (lineCells[lineCells.length - 1] as StyledCell[]).push(cell);
      }
      lines = lineCells.map((cells) => this.cellsToString(cells));
    }
    this.current.lines.set(text, lines);
    this.current.cells += text.length;
    this.rollOverWhenFull();
    return lines;
  }

  /** A width from the new generation, else moved over from the old one, else measured by Ink's caches. */
  private rememberedWidth(
    text: string,
    widthsIn: (caches: InkOutputCaches) => Map<string, number>,
    measure: (caches: InkOutputCaches, text: string) => number,
  ): number {
    let width = widthsIn(this.current.ink).get(text);
    if (width !== undefined) return width;
    width = widthsIn(this.previous.ink).get(text);
    if (width !== undefined) widthsIn(this.current.ink).set(text, width);
    else width = measure(this.current.ink, text);
    this.rollOverWhenFull();
    return width;
  }

  private generation(): Generation {
    return { ink: this.freshCaches(), lines: new Map(), cells: 0 };
  }

  private rollOverWhenFull(): void {
    const { ink, cells } = this.current;
    if (cells <= this.cellsPerGeneration && ink.widths.size + ink.blockWidths.size <= this.cellsPerGeneration) return;
    this.previous = this.current;
    this.current = this.generation();
  }
}

/** What the previous frame's rows were made of, and their text. */
interface PreviousRows {
  cells: StyledCell[][];
  lines: string[];
}

/** Ink's nested clips intersect (ink/build/output.js); an undefined bound is open. */
function intersectClips(outer: OutputClip | undefined, inner: OutputClip): OutputClip {
  if (outer === undefined) return inner;
  const bound = (a: number | undefined, b: number | undefined, tighter: (a: number, b: number) => number) =>
    a === undefined ? b : b === undefined ? a : tighter(a, b);
  return {
    x1: bound(outer.x1, inner.x1, Math.max),
    x2: bound(outer.x2, inner.x2, Math.min),
    y1: bound(outer.y1, inner.y1, Math.max),
    y2: bound(outer.y2, inner.y2, Math.min),
  };
}

/** Bounds are half-open: an axis is empty once its lower bound reaches its upper one. */
const isClipEmpty = (clip: OutputClip): boolean =>
  (clip.x1 !== undefined && clip.x2 !== undefined && clip.x1 >= clip.x2) ||
  (clip.y1 !== undefined && clip.y2 !== undefined && clip.y1 >= clip.y2);

/** A partly covered wide character becomes a space that keeps its styles. */
const blankCell = (cell: StyledCell): StyledCell => ({ ...cell, value: ' ', fullWidth: false });

function sameCells(a: readonly StyledCell[] | undefined, b: readonly StyledCell[]): boolean {
  if (a === undefined || a.length !== b.length) return false;
  for (let i = 0; i < b.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Ink's Output class with the memory described above. `cellsToString` must be the @alcalzone/ansi-tokenize
 * `styledCharsToString` Ink's Output uses. `applyWriteOperation` and `get` do what Ink 8.0's do, step
 * for step, with the remembered pieces in place of the remade ones.
 */
export function rememberingOutputClass(
  InkOutputBase: InkOutputClass,
  cellsToString: StyledCellsToString,
  cellsPerGeneration = REMEMBERED_CELLS_PER_GENERATION,
): InkOutputClass {
  const caches = new RememberedOutputCaches(
    () => new InkOutputBase({ width: 0, height: 0 }).caches,
    cellsToString,
    cellsPerGeneration,
  );
  const blank: StyledCell = { type: 'char', value: ' ', fullWidth: false, styles: [] };
  const previous: PreviousRows = { cells: [], lines: [] };
  /** Tokenized lines whose every character is one cell wide (most are): written without measuring. */
  const narrowLines = new WeakMap<readonly StyledCell[], boolean>();
  const isNarrow = (cells: readonly StyledCell[]): boolean => {
    let narrow = narrowLines.get(cells);
    if (narrow === undefined) {
      narrow = cells.every((cell) => cell.value !== '' && caches.getStringWidth(cell.value) <= 1);
      narrowLines.set(cells, narrow);
    }
    return narrow;
  };

  return class RememberingOutput extends InkOutputBase {
    constructor(options: { width: number; height: number }) {
      super(options);
      this.caches = caches;
    }

    applyWriteOperation(output: StyledCell[][], operation: WriteOperation, clip: OutputClip | undefined): void {
      const { text, transformers } = operation;
      let { x, y } = operation;
      let lines = caches.getLines(text);
      if (clip !== undefined) {
        if (isClipEmpty(clip)) return;
        const { x1, x2, y1, y2 } = clip;
        const clipsColumns = x1 !== undefined && x2 !== undefined;
        const clipsRows = y1 !== undefined && y2 !== undefined;
        if (clipsColumns && (x + caches.getWidestLine(text) < x1 || x > x2)) return;
        if (clipsRows && (y + lines.length < y1 || y > y2)) return;
        if (clipsColumns) {
          const from = x < x1 ? x1 - x : 0;
          lines = lines.map((line) => {
            const width = caches.getStringWidth(line);
            return this.sliceLineToColumns(line, from, x + width > x2 ? x2 - x : width);
          });
          if (x < x1) x = x1;
        }
        if (clipsRows) {
          const from = y < y1 ? y1 - y : 0;
          const height = lines.length;
          lines = lines.slice(from, y + height > y2 ? y2 - y : height);
          if (y < y1) y = y1;
        }
      }
      for (let index = 0; index < lines.length; index++) {
        const currentLine = output[y + index];
        // Rows above or below the screen are not drawn.
        if (currentLine === undefined) continue;
        let line = lines[index] as string;
        for (const transformer of transformers) line = transformer(line, index + y - operation.y);
        const characters = caches.getStyledChars(line);
        if (characters.length === 0) continue;
        let offsetX = x;
        // Writing over the right half of a wide character: its left half becomes a blank.
        if (
          currentLine[offsetX]?.value === '' &&
          offsetX > 0 &&
          caches.getStringWidth(currentLine[offsetX - 1]?.value ?? '') > 1
        )
          currentLine[offsetX - 1] = blankCell(currentLine[offsetX - 1] as StyledCell);
        if (isNarrow(characters)) {
          for (const character of characters) currentLine[offsetX++] = character;
        } else {
          for (const character of characters) {
            currentLine[offsetX] = character;
            const characterWidth = Math.max(1, caches.getStringWidth(character.value));
            // The cells a wide character covers (a blank when its left half is off the screen).
            for (let offset = 1; offset < characterWidth; offset++)
              currentLine[offsetX + offset] = {
                type: 'char',
                value: offsetX < 0 ? ' ' : '',
                fullWidth: false,
                styles: character.styles,
              };
            offsetX += characterWidth;
          }
        }
        // Writing over the left half of a wide character: its right half becomes a blank.
        if (currentLine[offsetX]?.value === '') currentLine[offsetX] = blankCell(currentLine[offsetX] as StyledCell);
      }
    }

    override get(): { output: string; height: number } {
      const { width, height } = this;
      const rows: StyledCell[][] = [];
      for (let y = 0; y < height; y++) rows.push(new Array<StyledCell>(width).fill(blank));
      const clips: OutputClip[] = [];
      for (const operation of this.operations) {
        if (operation.type === 'clip') clips.push(intersectClips(clips.at(-1), operation.clip));
        else if (operation.type === 'unclip') clips.pop();
        else this.applyWriteOperation(rows, operation, clips.at(-1));
      }
      const lines: string[] = [];
      for (let y = 0; y < rows.length; y++) {
        const written = rows[y] as StyledCell[];
        // Only a write past the right edge can leave holes in a row; Ink leaves them out.
        const row = written.length === width ? written : written.filter((cell) => cell !== undefined);
        const line = sameCells(previous.cells[y], row) ? (previous.lines[y] as string) : cellsToString(row).trimEnd();
        previous.cells[y] = row;
        previous.lines[y] = line;
        lines.push(line);
      }
      previous.cells.length = rows.length;
      previous.lines.length = rows.length;
      return { output: lines.join('\n'), height: rows.length };
    }
  };
}
