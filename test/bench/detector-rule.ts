import { REGIME_NAMES } from '../../src/core/regime-types.js';
import type { HmmDetectorSettings } from '../../src/core/hmm/detector.js';

const K = REGIME_NAMES.length;
const RANGE = REGIME_NAMES.indexOf('range');

/**
 * The detector's rule (HmmRegimeDetector's decide) over a sequence of posteriors (K a bar), from
 * range: the regime in force changes when another leads with at least `threshold`, `margin` ahead of
 * it, for `dwell` bars in a row. For the benches' references that have posteriors but no detector.
 */
export function ruledCalls(
  posteriors: Float64Array,
  { threshold, margin, dwell }: Pick<HmmDetectorSettings, 'threshold' | 'margin' | 'dwell'>,
  bars = posteriors.length / K,
): Uint8Array {
  const called = new Uint8Array(bars);
  let current = RANGE;
  let challenger = -1;
  let count = 0;
  for (let t = 0; t < bars; t++) {
    let leader = 0;
    for (let k = 1; k < K; k++)
      if ((posteriors[t * K + k] as number) > (posteriors[t * K + leader] as number)) leader = k;
    const lead = posteriors[t * K + leader] as number;
    if (leader !== current && lead >= threshold && lead - (posteriors[t * K + current] as number) >= margin) {
      count = leader === challenger ? count + 1 : 1;
      challenger = leader;
      if (count >= dwell) {
        current = leader;
        challenger = -1;
        count = 0;
      }
    } else {
      challenger = -1;
      count = 0;
    }
    called[t] = current;
  }
  return called;
}
