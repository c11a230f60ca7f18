import { Writable } from 'node:stream';
import { FrameDiffer } from './frame-differ.js';

/** Ink 8's synchronized-output marks: the terminal shows a frame at once, never half-drawn. */
const BEGIN_SYNCHRONIZED = '\x1b[?2026h';
const END_SYNCHRONIZED = '\x1b[?2026l';

/** A write of terminal modes only (cursor visibility, bracketed paste: `ESC [ ? … h|l`), passed on as is. */
// eslint-disable-next-line no-control-regex -- terminal sequences start with ESC
const MODES_ONLY = /^(?:\x1b\[\?[0-9;]*[hl])+$/;

/**
 * The stdout Ink draws on (in its `debug` mode, which writes each whole frame in one write): stands
 * for the terminal (its size, its 'resize' events, isTTY) and writes to the real one only the cells
 * that changed since the last frame (see FrameDiffer), each frame inside synchronized output.
 *
 * Other writes: terminal modes (Ink's cursor show at unmount) are passed on; cursor moves and erases
 * meant for Ink's own line bookkeeping are dropped, the screen being ours. Nothing is written once the
 * terminal is gone (destroyed, not writable, or `detach()`ed) and the sink itself never fails.
 */
export class FrameSink extends Writable {
  readonly isTTY = true;
  private readonly differ: FrameDiffer;
  private attached = true;
  private lastFrame = '';

  /** `onFrame`: sees each whole frame Ink draws (tests compare the terminal's screen with it). */
  constructor(
    private readonly terminal: NodeJS.WriteStream,
    private readonly onFrame?: (frame: string) => void,
  ) {
    super({ decodeStrings: false });
    this.differ = new FrameDiffer(this.columns, this.rows);
    terminal.on('resize', this.onResize);
  }

  /** The terminal's size (80×24 when it does not say, as Ink assumes). */
  get columns(): number {
    return this.terminal.columns || 80;
  }

  get rows(): number {
    return this.terminal.rows || 24;
  }

  /** The screen may have been garbled (written to by someone else): draws the last frame again, whole. */
  repaint(): void {
    this.differ.invalidate();
    if (this.lastFrame !== '') this.draw(this.lastFrame);
  }

  /** Stops writing to the terminal and listening to it (a hang-up, or the end of the UI). */
  detach(): void {
    if (!this.attached) return;
    this.attached = false;
    this.terminal.off('resize', this.onResize);
  }

  override _write(chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    try {
      const text = typeof chunk === 'string' ? chunk : String(chunk);
      if (text !== '') this.take(text);
    } catch {
      // A frame this stage cannot handle must not take the UI down: draw the next one whole.
      this.differ.invalidate();
    }
    callback();
  }

  private take(text: string): void {
    if (text.charCodeAt(0) === 0x1b && MODES_ONLY.test(text)) {
      this.toTerminal(text);
      return;
    }
    // Other writes of escape sequences only are Ink's own cursor bookkeeping (its debug mode draws no
    // cursor): nothing to show. A frame always has text.
    if (isEscapesOnly(text)) return;
    this.lastFrame = text;
    this.onFrame?.(text);
    this.draw(text);
  }

  private draw(frame: string): void {
    const changes = this.differ.frame(frame);
    if (changes !== '') this.toTerminal(BEGIN_SYNCHRONIZED + changes + END_SYNCHRONIZED);
  }

  private toTerminal(text: string): void {
    const terminal = this.terminal;
    if (!this.attached || terminal.destroyed || terminal.writable === false) return;
    terminal.write(text);
  }

  private readonly onResize = (): void => {
    this.differ.resize(this.columns, this.rows);
    this.emit('resize');
  };
}

function isEscapesOnly(text: string): boolean {
  // eslint-disable-next-line no-control-regex -- terminal sequences start with ESC
  return /^(?:\x1b\[[0-9;?]*[ -/]*[@-~])+$/.test(text);
}
