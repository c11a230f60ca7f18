/** Runs a command in-process and captures what it writes to stdout. */

/**
 * Only string writes are captured (the commands write strings); buffers pass through, since the
 * test runner's child reports to its parent over this same stdout.
 */
export async function captureStdout(work: () => Promise<number>): Promise<{ code: number; stdout: string }> {
  const chunks: string[] = [];
  const original = process.stdout.write;
  const passThrough = original.bind(process.stdout) as (chunk: Uint8Array) => boolean;
  process.stdout.write = ((chunk: string | Uint8Array): boolean => {
    if (typeof chunk !== 'string') return passThrough(chunk);
    chunks.push(chunk);
    return true;
  }) as typeof process.stdout.write;
  try {
    const code = await work();
    return { code, stdout: chunks.join('') };
  } finally {
    process.stdout.write = original;
  }
}
