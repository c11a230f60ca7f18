/**
 * A small terminal emulator for tests: applies what Ink writes (text, line feeds, cursor moves, erases)
 * to a grid of cells, so a test can read the screen an incremental renderer leaves, which no single
 * write holds. Colours and modes (SGR, `CSI ? … h/l`) are ignored; each code point takes one cell.
 */
export class TerminalScreen {
  private grid: string[][];
  private row = 0;
  private column = 0;

  constructor(
    private columns: number,
    private rows: number,
  ) {
    this.grid = Array.from({ length: rows }, () => this.blankRow());
  }

  /** The screen's rows, trailing blanks trimmed, trailing empty rows dropped. */
  lines(): string[] {
    const lines = this.grid.map((cells) => cells.join('').trimEnd());
    while (lines.length > 0 && lines.at(-1) === '') lines.pop();
    return lines;
  }

  resize(columns: number, rows: number): void {
    this.columns = columns;
    this.rows = rows;
    this.grid = Array.from({ length: rows }, (_, r) => {
      const kept = this.grid[r] ?? [];
      return Array.from({ length: columns }, (_, c) => kept[c] ?? ' ');
    });
    this.row = Math.min(this.row, rows - 1);
    this.column = Math.min(this.column, columns - 1);
  }

  write(data: string): void {
    let i = 0;
    while (i < data.length) {
      const char = data[i] ?? '';
      if (char === '\x1b') {
        i = this.escape(data, i);
        continue;
      }
      if (char === '\n') this.lineFeed();
      else if (char === '\r') this.column = 0;
      else if (char >= ' ') {
        const codePoint = data.codePointAt(i) ?? 32;
        const text = String.fromCodePoint(codePoint);
        this.put(text);
        i += text.length;
        continue;
      }
      i++;
    }
  }

  private escape(data: string, at: number): number {
    if (data[at + 1] !== '[') return at + 2;
    let end = at + 2;
    while (end < data.length && !/[@-~]/.test(data[end] ?? '')) end++;
    const params = data.slice(at + 2, end);
    const final = data[end];
    const numbers = params.split(';').map((p) => Number.parseInt(p, 10));
    const n = Number.isNaN(numbers[0]) ? 1 : (numbers[0] ?? 1);
    if (!params.startsWith('?')) {
      switch (final) {
        case 'A':
          this.row = Math.max(0, this.row - n);
          break;
        case 'B':
          this.row = Math.min(this.rows - 1, this.row + n);
          break;
        case 'C':
          this.column = Math.min(this.columns - 1, this.column + n);
          break;
        case 'D':
          this.column = Math.max(0, this.column - n);
          break;
        case 'E':
          this.row = Math.min(this.rows - 1, this.row + n);
          this.column = 0;
          break;
        case 'F':
          this.row = Math.max(0, this.row - n);
          this.column = 0;
          break;
        case 'G':
          this.column = Math.min(this.columns - 1, n - 1);
          break;
        case 'H': {
          const column = Number.isNaN(numbers[1]) ? 1 : (numbers[1] ?? 1);
          this.row = Math.min(this.rows - 1, n - 1);
          this.column = Math.min(this.columns - 1, column - 1);
          break;
        }
        case 'K':
          this.eraseInLine(params === '' ? 0 : n);
          break;
        case 'J':
          this.eraseInDisplay(params === '' ? 0 : n);
          break;
        default:
          break;
      }
    }
    return end + 1;
  }

  private put(text: string): void {
    if (this.column >= this.columns) {
      this.column = 0;
      this.lineFeed();
    }
    const cells = this.grid[this.row];
    if (cells !== undefined) cells[this.column] = text;
    this.column++;
  }

  private lineFeed(): void {
    // A frame's newlines are written as line feeds in raw mode; the tty's output processing adds the CR.
    this.column = 0;
    if (this.row < this.rows - 1) {
      this.row++;
      return;
    }
    this.grid.shift();
    this.grid.push(this.blankRow());
  }

  private eraseInLine(mode: number): void {
    const cells = this.grid[this.row];
    if (cells === undefined) return;
    const [from, to] = mode === 0 ? [this.column, this.columns] : mode === 1 ? [0, this.column + 1] : [0, this.columns];
    for (let c = from; c < to; c++) cells[c] = ' ';
  }

  private eraseInDisplay(mode: number): void {
    if (mode === 0) {
      this.eraseInLine(0);
      for (let r = this.row + 1; r < this.rows; r++) this.grid[r] = this.blankRow();
    } else if (mode === 2 || mode === 3) {
      this.grid = Array.from({ length: this.rows }, () => this.blankRow());
    }
  }

  private blankRow(): string[] {
    return Array.from({ length: this.columns }, () => ' ');
  }
}
