import { DEFAULT_STYLE, StyleTable, applySgr, type SgrState } from './style-table.js';
import {
  ZERO_WIDTH_JOINER,
  clusterWidth,
  codePointWidth,
  extendsCluster,
  isRegionalIndicator,
  utf8Length,
} from './cell-width.js';

/**
 * Turns whole frames (Ink's output: lines joined by '\n', styled with SGR sequences) into the bytes
 * that change a terminal showing the previous frame into one showing the next: for each changed line,
 * only the cells that changed, each run as cursor position + SGR state + characters, two runs joined
 * when writing the few cells between them is shorter than moving the cursor over them.
 *
 * It keeps what the screen shows as a grid of cells (a character and a style id each); a wide
 * character takes its cell and a continuation cell after it. A line this model cannot read (an escape
 * sequence other than SGR, a control character, a character of width 0 or one cut by the edge) is
 * written whole, as Ink would, and that row is written whole again the next time it changes.
 *
 * Every frame leaves the terminal in the default style; the cursor is wherever the last run ended.
 */

/** The code of the right half of a wide character. */
const CONTINUATION = 0;
const SPACE = 32;
/** In `starts`: a cell past the end of the line's text (a blank). */
const PAST_TEXT = -1;
/** Unchanged cells between two runs that are worth looking at for joining them (a cursor move is ≤ 6 bytes). */
const MAX_JOIN_GAP = 12;
/** Distinct multi-code-point characters kept before the tables are cleared (with a full repaint). */
const CLUSTER_CAPACITY = 1024;

const ESC = 0x1b;
const LEFT_BRACKET = 0x5b;
const LETTER_M = 0x6d;

const cursorTo = (row: number, column: number): string =>
  column === 0 ? `\x1b[${row + 1}H` : `\x1b[${row + 1};${column + 1}H`;
const cursorForward = (columns: number): string => (columns === 1 ? '\x1b[C' : `\x1b[${columns}C`);
const cursorForwardLength = (columns: number): number => (columns === 1 ? 3 : 3 + Math.floor(Math.log10(columns)) + 1);
/** Up or down by `rows` (CUU, CUD; '' for none). */
const verticalMove = (rows: number): string =>
  rows === 0 ? '' : `\x1b[${Math.abs(rows) === 1 ? '' : Math.abs(rows)}${rows > 0 ? 'B' : 'A'}`;
/** Along the row from column `from` to `to` (CUF, CUB; '' for none). */
const horizontalMove = (from: number, to: number): string =>
  from === to ? '' : to > from ? cursorForward(to - from) : `\x1b[${from - to === 1 ? '' : from - to}D`;
const ERASE_LINE = '\x1b[2K';
const ERASE_TO_END_OF_LINE = '\x1b[K';
const HOME_AND_CLEAR = '\x1b[H\x1b[2J';

export class FrameDiffer {
  private width = 0;
  private height = 0;
  /** What the screen shows: code (code point, CONTINUATION, or -(cluster id + 1)) and style of each cell. */
  private codes = new Int32Array(0);
  private styles = new Uint16Array(0);
  /** Whether a row's cells are known (a row written whole as raw text is not). */
  private rowKnown = new Uint8Array(0);
  /** The line each row shows, as Ink wrote it (undefined until known). */
  private lines: (string | undefined)[] = [];
  /**
   * The style each row's line starts and ends in. A frame is one stream: a line that does not reset
   * its style at its end leaves it to the next (Ink's lines do reset, but a frame is read as written).
   */
  private rowStartStyles = new Uint16Array(0);
  private rowEndStyles = new Uint16Array(0);
  private repaintAll = true;

  /** The next frame's line being read: its cells, and where each cell's text is in the line. */
  private nextCodes = new Int32Array(0);
  private nextStyles = new Uint16Array(0);
  private starts = new Int32Array(0);
  private ends = new Int32Array(0);
  /** The column after the next row's last cell that is not a default blank. */
  private inkEnd = 0;

  private readonly styleTable = new StyleTable();
  private readonly sgr: SgrState = { fg: 0, bg: 0, attributes: 0 };
  private readonly clusterIds = new Map<string, number>();
  private clusterBytes: number[] = [];

  // The terminal while a frame is written: its style, and the cursor (row -1: not known).
  private style = DEFAULT_STYLE;
  private cursorRow = -1;
  private cursorColumn = 0;
  private out = '';

  constructor(width: number, height: number) {
    this.resize(width, height);
  }

  /** A new terminal size: the next frame is drawn whole. */
  resize(width: number, height: number): void {
    this.width = Math.max(0, Math.floor(width) || 0);
    this.height = Math.max(0, Math.floor(height) || 0);
    const cells = this.width * this.height;
    this.codes = new Int32Array(cells);
    this.styles = new Uint16Array(cells);
    this.rowKnown = new Uint8Array(this.height);
    this.lines = new Array<string | undefined>(this.height).fill(undefined);
    this.rowStartStyles = new Uint16Array(this.height);
    this.rowEndStyles = new Uint16Array(this.height);
    this.nextCodes = new Int32Array(this.width);
    this.nextStyles = new Uint16Array(this.width);
    this.starts = new Int32Array(this.width);
    this.ends = new Int32Array(this.width);
    this.repaintAll = true;
  }

  /** The screen may no longer show what was written: the next frame is drawn whole. */
  invalidate(): void {
    this.repaintAll = true;
  }

  /** The bytes that take the screen from the previous frame to `frame` ('' when nothing changed). */
  frame(frame: string): string {
    this.out = '';
    this.style = DEFAULT_STYLE;
    this.cursorRow = -1;
    if (this.styleTable.size > this.styleTable.capacity / 2 || this.clusterBytes.length > CLUSTER_CAPACITY / 2) {
      this.styleTable.clear();
      this.clusterIds.clear();
      this.clusterBytes = [];
      this.repaintAll = true;
    }
    if (this.repaintAll) this.clearScreen();
    let from = 0;
    let carried = DEFAULT_STYLE;
    for (let row = 0; row < this.height; row++) {
      let line = '';
      if (from <= frame.length) {
        const end = frame.indexOf('\n', from);
        line = end === -1 ? frame.slice(from) : frame.slice(from, end);
        from = end === -1 ? frame.length + 1 : end + 1;
      }
      // A row shows its line as it was written (even one written whole): unchanged, nothing to do.
      if (this.lines[row] === line && this.rowStartStyles[row] === carried) {
        carried = this.rowEndStyles[row] as number;
        continue;
      }
      this.rowStartStyles[row] = carried;
      carried = this.updateRow(row, line, carried);
      this.rowEndStyles[row] = carried;
    }
    if (this.style !== DEFAULT_STYLE) this.setStyle(DEFAULT_STYLE);
    const out = this.out;
    this.out = '';
    return out;
  }

  private clearScreen(): void {
    this.repaintAll = false;
    this.out += HOME_AND_CLEAR;
    this.codes.fill(SPACE);
    this.styles.fill(DEFAULT_STYLE);
    this.rowKnown.fill(1);
    this.lines.fill('');
    this.rowStartStyles.fill(DEFAULT_STYLE);
    this.rowEndStyles.fill(DEFAULT_STYLE);
    this.cursorRow = 0;
    this.cursorColumn = 0;
  }

  /** Brings row `row` to `line`, read from style `startStyle`; returns the style the line ends in. */
  private updateRow(row: number, line: string, startStyle: number): number {
    this.lines[row] = line;
    const endStyle = this.readLine(line, startStyle);
    if (endStyle < 0) {
      // Written whole, as Ink would; its cells (and the style it ends in) are not known from here on.
      this.moveTo(row, 0);
      this.setStyle(DEFAULT_STYLE);
      this.out += ERASE_LINE;
      this.setStyle(startStyle);
      this.out += line + '\x1b[m';
      this.style = DEFAULT_STYLE;
      this.cursorRow = -1;
      this.rowKnown[row] = 0;
      return DEFAULT_STYLE;
    }
    const base = row * this.width;
    if (this.rowKnown[row] === 0) {
      this.moveTo(row, 0);
      this.setStyle(DEFAULT_STYLE);
      this.out += ERASE_LINE;
      this.codes.fill(SPACE, base, base + this.width);
      this.styles.fill(DEFAULT_STYLE, base, base + this.width);
      this.rowKnown[row] = 1;
    }
    this.writeChanges(row, line);
    for (let column = 0; column < this.width; column++) {
      this.codes[base + column] = this.nextCodes[column] as number;
      this.styles[base + column] = this.nextStyles[column] as number;
    }
    return endStyle;
  }

  /**
   * Reads `line`, starting in style `startStyle`, into the next row's cells (what lies past the right
   * edge is cut). Returns the style it ends in, or -1 if it holds something this model does not know.
   */
  private readLine(line: string, startStyle: number): number {
    const { width, nextCodes, nextStyles, starts, ends, sgr } = this;
    this.styleTable.load(startStyle, sgr);
    let style = startStyle;
    let column = 0;
    let i = 0;
    const length = line.length;
    while (i < length) {
      const unit = line.charCodeAt(i);
      if (unit === ESC) {
        if (line.charCodeAt(i + 1) !== LEFT_BRACKET) return -1;
        let end = i + 2;
        while (end < length) {
          const c = line.charCodeAt(end);
          if ((c >= 48 && c <= 57) || c === 59) end++;
          else break;
        }
        if (line.charCodeAt(end) !== LETTER_M || !applySgr(sgr, line, i + 2, end)) return -1;
        style = this.styleTable.intern(sgr.fg, sgr.bg, sgr.attributes);
        if (style < 0) return -1;
        i = end + 1;
        continue;
      }
      if (unit < 0x20 || (unit >= 0x7f && unit < 0xa0)) return -1;
      // ASCII, unless a combining mark or the like follows (it joins the character: "e" + U+0301 is "é").
      if (unit < 0x7f && !(i + 1 < length && line.charCodeAt(i + 1) >= 0x300)) {
        if (column >= width) {
          i++;
          continue;
        }
        nextCodes[column] = unit;
        nextStyles[column] = style;
        starts[column] = i;
        ends[column] = i + 1;
        column++;
        i++;
        continue;
      }
      const start = i;
      const codePoint = line.codePointAt(i) as number;
      i += codePoint > 0xffff ? 2 : 1;
      let last = codePoint;
      while (i < length) {
        const next = line.codePointAt(i) as number;
        const joins =
          extendsCluster(next) ||
          last === ZERO_WIDTH_JOINER ||
          (isRegionalIndicator(codePoint) && isRegionalIndicator(next) && last === codePoint && i - start <= 2);
        if (!joins) break;
        last = next;
        i += next > 0xffff ? 2 : 1;
      }
      if (column >= width) continue; // past the right edge: cut
      let code: number;
      let cellWidth: number;
      if (i - start === (codePoint > 0xffff ? 2 : 1)) {
        code = codePoint;
        cellWidth = codePointWidth(codePoint);
      } else {
        const cluster = line.slice(start, i);
        cellWidth = clusterWidth(cluster);
        let id = this.clusterIds.get(cluster);
        if (id === undefined) {
          if (this.clusterBytes.length >= CLUSTER_CAPACITY) return -1;
          id = this.clusterBytes.length;
          this.clusterIds.set(cluster, id);
          this.clusterBytes.push(Buffer.byteLength(cluster));
        }
        code = -(id + 1);
      }
      if (cellWidth < 1 || cellWidth > 2 || column + cellWidth > width) return -1;
      nextCodes[column] = code;
      nextStyles[column] = style;
      starts[column] = start;
      ends[column] = i;
      if (cellWidth === 2) {
        nextCodes[column + 1] = CONTINUATION;
        nextStyles[column + 1] = style;
        starts[column + 1] = PAST_TEXT;
        ends[column + 1] = PAST_TEXT;
      }
      column += cellWidth;
    }
    let inkEnd = column;
    while (inkEnd > 0 && nextCodes[inkEnd - 1] === SPACE && nextStyles[inkEnd - 1] === DEFAULT_STYLE) inkEnd--;
    this.inkEnd = inkEnd;
    for (; column < width; column++) {
      nextCodes[column] = SPACE;
      nextStyles[column] = DEFAULT_STYLE;
      starts[column] = PAST_TEXT;
      ends[column] = PAST_TEXT;
    }
    return style;
  }

  private differs(base: number, column: number): boolean {
    return (
      this.codes[base + column] !== this.nextCodes[column] || this.styles[base + column] !== this.nextStyles[column]
    );
  }

  /** Writes the runs of cells of row `row` that differ from the screen. */
  private writeChanges(row: number, line: string): void {
    const { width, nextCodes } = this;
    const base = row * width;
    let column = 0;
    while (column < width) {
      if (!this.differs(base, column)) {
        column++;
        continue;
      }
      let start = column;
      if (nextCodes[start] === CONTINUATION && start > 0) start--;
      let end = column + 1;
      for (;;) {
        while (end < width && this.differs(base, end)) end++;
        while (end < width && nextCodes[end] === CONTINUATION) end++;
        let next = end;
        while (next < width && next - end <= MAX_JOIN_GAP && !this.differs(base, next)) next++;
        if (next < width && next - end <= MAX_JOIN_GAP && this.joiningIsShorter(end, next)) {
          end = next + 1;
          continue;
        }
        break;
      }
      if (this.writeRun(row, start, end, line)) return;
      column = end;
    }
  }

  /** Whether writing cells `from`..`to` - 1 (unchanged) is shorter than moving the cursor over them. */
  private joiningIsShorter(from: number, to: number): boolean {
    const { nextStyles, styleTable } = this;
    const before = nextStyles[from - 1] as number;
    const target = nextStyles[to] as number;
    const move = cursorForwardLength(to - from) + styleTable.transition(before, target).length;
    let write = 0;
    let style = before;
    for (let column = from; column < to && write <= move; column++) {
      const cellStyle = nextStyles[column] as number;
      write += styleTable.transition(style, cellStyle).length + this.cellBytes(column);
      style = cellStyle;
    }
    write += styleTable.transition(style, target).length;
    return write <= move;
  }

  private cellBytes(column: number): number {
    const code = this.nextCodes[column] as number;
    if (code === CONTINUATION) return 0;
    if (code > 0) return utf8Length(code);
    return this.clusterBytes[-code - 1] ?? 1;
  }

  /**
   * Writes cells `start`..`end` - 1 of row `row`. Returns true if it erased the row from there to its
   * end instead of writing the blanks that end the line (shorter), which leaves nothing more to do there.
   */
  private writeRun(row: number, start: number, end: number, line: string): boolean {
    const { width, nextStyles, inkEnd } = this;
    this.moveTo(row, start);
    if (end > inkEnd) {
      // From inkEnd on the next row is blank: erasing to the end of the line is one short sequence.
      const blankFrom = Math.max(start, inkEnd);
      const styleAtBlank = blankFrom > start ? (nextStyles[blankFrom - 1] as number) : this.style;
      const eraseBytes = this.styleTable.transition(styleAtBlank, DEFAULT_STYLE).length + ERASE_TO_END_OF_LINE.length;
      if (end - blankFrom > eraseBytes || end === width) {
        this.writeCells(start, blankFrom, line);
        this.setStyle(DEFAULT_STYLE);
        this.out += ERASE_TO_END_OF_LINE;
        this.cursorColumn = blankFrom;
        return true;
      }
    }
    this.writeCells(start, end, line);
    if (end === width)
      this.cursorRow = -1; // at the right margin the next character would wrap: not a known place
    else this.cursorColumn = end;
    return false;
  }

  /** Writes cells `from`..`to` - 1 of the next row, with their styles, as slices of the line. */
  private writeCells(from: number, to: number, line: string): void {
    const { nextCodes, nextStyles, starts, ends } = this;
    let column = from;
    while (column < to) {
      const style = nextStyles[column] as number;
      this.setStyle(style);
      if (starts[column] === PAST_TEXT) {
        // Blanks past the line's text, or a continuation (its character is already written).
        let count = 0;
        while (column < to && starts[column] === PAST_TEXT && nextStyles[column] === style) {
          if (nextCodes[column] !== CONTINUATION) count++;
          column++;
        }
        this.out += ' '.repeat(count);
        continue;
      }
      // One slice for the cells of one style whose text lies together in the line.
      const sliceStart = starts[column] as number;
      let sliceEnd = ends[column] as number;
      column++;
      while (column < to && nextStyles[column] === style) {
        if (nextCodes[column] === CONTINUATION) {
          column++;
          continue;
        }
        if (starts[column] !== sliceEnd) break;
        sliceEnd = ends[column] as number;
        column++;
      }
      this.out += line.slice(sliceStart, sliceEnd);
    }
  }

  /** Moves the cursor by the shortest of an absolute position and moves relative to where it is. */
  private moveTo(row: number, column: number): void {
    if (this.cursorRow === row && this.cursorColumn === column) return;
    let move = cursorTo(row, column);
    if (this.cursorRow >= 0) {
      const relative = verticalMove(row - this.cursorRow) + horizontalMove(this.cursorColumn, column);
      if (relative.length < move.length) move = relative;
    }
    this.out += move;
    this.cursorRow = row;
    this.cursorColumn = column;
  }

  private setStyle(style: number): void {
    if (style === this.style) return;
    this.out += this.styleTable.transition(this.style, style);
    this.style = style;
  }
}

/** How many rows a frame has. */
const rowsOf = (frame: string): number => {
  let rows = 1;
  for (let i = frame.indexOf('\n'); i !== -1; i = frame.indexOf('\n', i + 1)) rows++;
  return rows;
};

/**
 * The bytes that change a `width` × `height` screen showing frame `previous` into one showing `next`
 * (the pure form of FrameDiffer, for tests and tools).
 */
export function diffFrames(
  previous: string,
  next: string,
  width: number,
  height = Math.max(rowsOf(previous), rowsOf(next)),
): string {
  const differ = new FrameDiffer(width, height);
  differ.frame(previous);
  return differ.frame(next);
}
