import { execFileSync, spawnSync } from 'node:child_process';

export const hasTmux = spawnSync('tmux', ['-V']).status === 0;

/** A tmux server of its own (its own socket), so tests never touch the user's sessions. */
export class TmuxPane {
  private readonly socket = `trading-tui-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  readonly target = 'monitor';

  start(command: string, width: number, height: number): void {
    this.tmux('new-session', '-d', '-s', this.target, '-x', String(width), '-y', String(height), command);
    this.tmux('set-option', '-t', this.target, 'remain-on-exit', 'on');
  }

  capture(): string[] {
    return this.tmux('capture-pane', '-p', '-t', this.target).replace(/\n+$/, '').split('\n');
  }

  /** The pane's screen with its colours and attributes, as SGR sequences (`capture-pane -e`). */
  captureStyled(): string {
    return this.tmux('capture-pane', '-e', '-p', '-t', this.target).replace(/\n$/, '');
  }

  sendKeys(...keys: string[]): void {
    this.tmux('send-keys', '-t', this.target, ...keys);
  }

  resize(width: number, height: number): void {
    this.tmux('resize-window', '-t', this.target, '-x', String(width), '-y', String(height));
  }

  /** A tmux format variable of the pane, e.g. pane_dead, alternate_on, pane_dead_status. */
  read(variable: string): string {
    return this.tmux('display-message', '-p', '-t', this.target, `#{${variable}}`).trim();
  }

  /** Polls until `check` passes; throws with the last screen when it does not in time. */
  async waitFor(what: string, check: (lines: string[]) => boolean, timeoutMs = 15_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    let lines: string[] = [];
    while (Date.now() < deadline) {
      lines = this.capture();
      if (check(lines)) return lines;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`timed out waiting for ${what}; screen was:\n${lines.join('\n')}`);
  }

  /** Appends every byte the program writes to the pane from now on to `file`. */
  pipeTo(file: string): void {
    this.tmux('pipe-pane', '-o', '-t', this.target, `cat > ${file}`);
  }

  /** Closes the pane as a user closing it would: tmux hangs up its terminal. */
  killPane(): void {
    this.tmux('kill-pane', '-t', this.target);
  }

  kill(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server']);
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }
}
