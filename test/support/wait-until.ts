/**
 * Polls until `condition` holds: a wait that knows what it waits for, failing after `timeoutMs`. The
 * deadline is a guard against a hang, not a measure: generous, so a loaded machine (CI on 2 busy
 * cores) does not fail a wait for something that does happen.
 */
export async function waitUntil(condition: () => boolean, timeoutMs = 15_000, stepMs = 5): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}
