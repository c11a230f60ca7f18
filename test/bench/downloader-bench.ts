import { Downloader } from '../../src/market/downloader.js';

export interface DownloaderBenchResult {
  symbols: number;
  rounds: number;
  overheadMsPerRound: number;
  overheadUsPerRequest: number;
}

const SYMBOLS = 500;
const ROUNDS = 200;
const WARMUP_ROUNDS = 20;
const NO_BARS: readonly never[] = [];

/** The downloader's own cost per round of 500 instant fetches (no latency, no I/O). */
export async function benchDownloader(): Promise<DownloaderBenchResult> {
  const symbols = Array.from({ length: SYMBOLS }, (_, i) => `S${i}`);
  const downloader = new Downloader({ concurrency: 16, timeoutMs: 15_000 });
  const fetch = (): Promise<readonly never[]> => Promise.resolve(NO_BARS);
  const onResult = (): void => {};
  const countBars = (bars: readonly never[]): number => bars.length;

  for (let r = 0; r < WARMUP_ROUNDS; r++) await downloader.runRound('refresh', symbols, fetch, onResult, countBars);
  const started = performance.now();
  for (let r = 0; r < ROUNDS; r++) {
    const result = await downloader.runRound('refresh', symbols, fetch, onResult, countBars);
    if (result.counts.done !== SYMBOLS) throw new Error(`bench round ended with ${result.counts.done}/${SYMBOLS} done`);
  }
  const elapsedMs = performance.now() - started;
  downloader.close();
  const overheadMsPerRound = elapsedMs / ROUNDS;
  return {
    symbols: SYMBOLS,
    rounds: ROUNDS,
    overheadMsPerRound,
    overheadUsPerRequest: (overheadMsPerRound * 1000) / SYMBOLS,
  };
}
