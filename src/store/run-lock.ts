/**
 * One bot per database: a lock file beside it holds the pid of the process trading on it. A lock
 * whose process is gone (a kill -9, a crash) is taken over. Readers (watch, stats) never look at it.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { StoreError } from './store-error.js';

export interface RunLock {
  release(): void;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of a live bot trading on this database, or null. */
export function runningBot(databasePath: string): number | null {
  let holder: number;
  try {
    holder = Number.parseInt(readFileSync(`${databasePath}.lock`, 'utf8'), 10);
  } catch {
    return null;
  }
  return Number.isInteger(holder) && holder > 0 && isRunning(holder) ? holder : null;
}

export function acquireRunLock(databasePath: string): RunLock {
  const lockPath = `${databasePath}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockPath, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      let released = false;
      return {
        release: () => {
          if (released) return;
          released = true;
          rmSync(lockPath, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new StoreError(`cannot create the lock file ${lockPath}: ${(error as Error).message}`);
      }
      const holder = Number.parseInt(readFileSync(lockPath, 'utf8'), 10);
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isRunning(holder)) {
        throw new StoreError(
          `another trading-tui (pid ${holder}) is trading on ${databasePath}; watch it with trading-tui watch, or give this one another --db`,
        );
      }
      rmSync(lockPath, { force: true });
    }
  }
  throw new StoreError(`cannot take the lock file ${lockPath}`);
}
