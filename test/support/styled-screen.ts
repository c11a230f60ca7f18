import stringWidth from 'string-width';

/**
 * A terminal screen model with styles, for checking what the output stage writes: cursor position
 * (CUP `H`, moves `A` `B` `C` `D`, column `G`), erase in line (`K`) and display (`J`, 2 only) with the current background
 * (as xterm and tmux erase), SGR, and printable characters cut into grapheme clusters (Intl.Segmenter)
 * of the width Ink lays them out with (string-width). Writing over half of a wide character blanks its
 * other half; a character written past the right margin wraps to the next row (xterm's deferred wrap).
 * Other sequences (modes, synchronized output) change nothing here. Written independently of
 * src/terminal/, so tests can hold the stage against it.
 */
export interface StyledCell {
  /** The character, '' for the right half of a wide one. */
  readonly text: string;
  /** The SGR state, canonical: e.g. `1,4|fg 31|bg 48;5;17`. */
  readonly style: string;
}

interface Sgr {
  attributes: Set<number>;
  fg: string;
  bg: string;
}

const BLANK: StyledCell = { text: ' ', style: styleKey({ attributes: new Set(), fg: '', bg: '' }) };
const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

function styleKey(sgr: Sgr): string {
  return `${[...sgr.attributes].sort((a, b) => a - b).join(',')}|fg ${sgr.fg}|bg ${sgr.bg}`;
}

const OFF: Record<number, number[]> = { 22: [1, 2], 23: [3], 24: [4], 25: [5], 27: [7], 28: [8], 29: [9], 55: [53] };

export class StyledScreen {
  private grid: StyledCell[][];
  private row = 0;
  private column = 0;
  /** The cursor is past the right margin: the next character wraps. */
  private pendingWrap = false;
  private cutAtEdge = false;
  private sgr: Sgr = { attributes: new Set(), fg: '', bg: '' };

  constructor(
    readonly columns: number,
    readonly rows: number,
  ) {
    this.grid = Array.from({ length: rows }, () => this.blankRow(BLANK));
  }

  /**
   * A screen showing `frame` written whole on a clear screen: its lines one after the other, each from
   * its row's start, as one stream (a style a line leaves open goes on into the next, as when Ink
   * writes a frame in one write, and as `tmux capture-pane -e` writes the screen). What lies past the
   * right edge is cut.
   */
  static painted(frame: string, columns: number, rows: number): StyledScreen {
    const screen = new StyledScreen(columns, rows);
    frame
      .split('\n')
      .slice(0, rows)
      .forEach((line, r) => {
        screen.write(`\x1b[${r + 1};1H`);
        screen.writeCut(line);
      });
    screen.write('\x1b[0m');
    return screen;
  }

  /** Whether the current SGR state is the default one. */
  get styleIsDefault(): boolean {
    return styleKey(this.sgr) === BLANK.style;
  }

  cells(): StyledCell[][] {
    return this.grid.map((row) => row.map((cell) => ({ ...cell })));
  }

  /** The screen's rows as text, trailing blanks trimmed. */
  text(): string[] {
    return this.grid.map((row) =>
      row
        .map((cell) => cell.text)
        .join('')
        .trimEnd(),
    );
  }

  write(data: string): void {
    let i = 0;
    let text = '';
    const flushText = (): void => {
      for (const { segment } of segmenter.segment(text)) this.put(segment);
      text = '';
    };
    while (i < data.length) {
      const char = data[i] as string;
      if (char === '\x1b') {
        flushText();
        i = this.escape(data, i);
        continue;
      }
      if (char < ' ') throw new Error(`control character ${char.charCodeAt(0)} in the output`);
      text += char;
      i++;
    }
    flushText();
  }

  /** Writes text that stops at the right edge (characters that would wrap are dropped). */
  private writeCut(line: string): void {
    this.cutAtEdge = true;
    try {
      this.write(line);
    } finally {
      this.cutAtEdge = false;
    }
  }

  private escape(data: string, at: number): number {
    if (data[at + 1] !== '[')
      throw new Error(`an escape sequence the model does not know: ${JSON.stringify(data.slice(at, at + 8))}`);
    let end = at + 2;
    while (end < data.length && !/[@-~]/.test(data[end] as string)) end++;
    const params = data.slice(at + 2, end);
    const final = data[end];
    if (params.startsWith('?')) return end + 1;
    const numbers = params === '' ? [] : params.split(';').map((p) => (p === '' ? 0 : Number(p)));
    switch (final) {
      case 'H':
        this.row = Math.min(this.rows, Math.max(1, numbers[0] ?? 1)) - 1;
        this.column = Math.min(this.columns, Math.max(1, numbers[1] ?? 1)) - 1;
        this.pendingWrap = false;
        break;
      case 'A':
        this.row = Math.max(0, this.row - Math.max(1, numbers[0] ?? 1));
        this.pendingWrap = false;
        break;
      case 'B':
        this.row = Math.min(this.rows - 1, this.row + Math.max(1, numbers[0] ?? 1));
        this.pendingWrap = false;
        break;
      case 'C':
        this.column = Math.min(this.columns - 1, this.column + Math.max(1, numbers[0] ?? 1));
        this.pendingWrap = false;
        break;
      case 'D':
        this.column = Math.max(0, this.column - Math.max(1, numbers[0] ?? 1));
        this.pendingWrap = false;
        break;
      case 'G':
        this.column = Math.min(this.columns, Math.max(1, numbers[0] ?? 1)) - 1;
        this.pendingWrap = false;
        break;
      case 'K': {
        const mode = numbers[0] ?? 0;
        const [from, to] =
          mode === 0 ? [this.column, this.columns] : mode === 1 ? [0, this.column + 1] : [0, this.columns];
        const erased = this.erasedCell();
        const cells = this.grid[this.row] as StyledCell[];
        for (let c = from; c < to; c++) cells[c] = erased;
        break;
      }
      case 'J':
        if ((numbers[0] ?? 0) !== 2) throw new Error(`erase in display ${params} is not modelled`);
        this.grid = Array.from({ length: this.rows }, () => this.blankRow(this.erasedCell()));
        break;
      case 'm':
        this.applySgr(numbers.length === 0 ? [0] : numbers);
        break;
      default:
        throw new Error(`CSI ${params}${final} is not modelled`);
    }
    return end + 1;
  }

  private erasedCell(): StyledCell {
    return { text: ' ', style: styleKey({ attributes: new Set(), fg: '', bg: this.sgr.bg }) };
  }

  private applySgr(numbers: number[]): void {
    for (let k = 0; k < numbers.length; k++) {
      const n = numbers[k] as number;
      if (n === 0) this.sgr = { attributes: new Set(), fg: '', bg: '' };
      else if ([1, 2, 3, 4, 5, 7, 8, 9, 53].includes(n)) this.sgr.attributes.add(n);
      else if (OFF[n] !== undefined) for (const a of OFF[n]) this.sgr.attributes.delete(a);
      else if ((n >= 30 && n <= 37) || (n >= 90 && n <= 97)) this.sgr.fg = String(n);
      else if ((n >= 40 && n <= 47) || (n >= 100 && n <= 107)) this.sgr.bg = String(n - 10);
      else if (n === 39) this.sgr.fg = '';
      else if (n === 49) this.sgr.bg = '';
      else if (n === 38 || n === 48) {
        const mode = numbers[k + 1];
        const count = mode === 5 ? 1 : mode === 2 ? 3 : -1;
        if (count < 0) throw new Error(`SGR ${numbers.join(';')} is not modelled`);
        const colour = `${mode};${numbers.slice(k + 2, k + 2 + count).join(';')}`;
        if (n === 38) this.sgr.fg = colour;
        else this.sgr.bg = colour;
        k += 1 + count;
      } else throw new Error(`SGR ${n} is not modelled`);
    }
  }

  private put(cluster: string): void {
    const width = stringWidth(cluster);
    if (width < 1 || width > 2) throw new Error(`a character of width ${width}: ${JSON.stringify(cluster)}`);
    if (this.cutAtEdge && (this.pendingWrap || this.column + width > this.columns)) return;
    if (this.pendingWrap || this.column + width > this.columns) {
      this.pendingWrap = false;
      this.column = 0;
      if (this.row < this.rows - 1) this.row++;
      else {
        this.grid.shift();
        this.grid.push(this.blankRow(BLANK));
      }
    }
    const cells = this.grid[this.row] as StyledCell[];
    const style = styleKey(this.sgr);
    for (let c = this.column; c < this.column + width; c++) this.breakWide(cells, c);
    cells[this.column] = { text: cluster, style };
    if (width === 2) cells[this.column + 1] = { text: '', style };
    this.column += width;
    if (this.column >= this.columns) {
      this.column = this.columns - 1;
      this.pendingWrap = true;
    }
  }

  /** Before cell `c` is written: the other half of a wide character it belongs to becomes a blank. */
  private breakWide(cells: StyledCell[], c: number): void {
    const cell = cells[c] as StyledCell;
    if (cell.text === '' && c > 0) cells[c - 1] = { text: ' ', style: (cells[c - 1] as StyledCell).style };
    else if (stringWidth(cell.text) === 2 && c + 1 < cells.length)
      cells[c + 1] = { text: ' ', style: (cells[c + 1] as StyledCell).style };
  }

  private blankRow(cell: StyledCell): StyledCell[] {
    return Array.from({ length: this.columns }, () => cell);
  }
}
