/** Polls until `condition` holds: a wait that knows what it waits for, failing after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, timeoutMs = 2000, stepMs = 5): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}
