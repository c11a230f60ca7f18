import { parseArgs, type StartOptions } from '../../src/cli/args.js';
import { createSimSession, type DownloaderTuning, type Session } from '../../src/cli/start.js';
import type { LoopEvent } from '../../src/engine/loop-events.js';

export function startOptions(args: string[]): StartOptions {
  const parsed = parseArgs(args);
  if (parsed.command !== 'start') throw new Error(`not a start command: ${args.join(' ')}`);
  return parsed;
}

/** Runs a simulated session to its end and returns every loop event. */
export async function runSession(
  args: string[],
  tuning: DownloaderTuning = { backoffBaseMs: 1 },
): Promise<{ session: Session; events: LoopEvent[] }> {
  const session = createSimSession(startOptions(args), tuning);
  const events: LoopEvent[] = [];
  session.engine.onLoopEvent((event) => events.push(event));
  await session.run();
  return { session, events };
}
