import { REGIME_NAMES } from '../../src/core/regime-types.js';

export interface RegimeScore {
  readonly bars: number;
  readonly accuracy: number;
  /** Per regime, in REGIME_NAMES order: of the bars called this regime, the share that were. */
  readonly precision: readonly number[];
  /** Per regime: of the bars that were this regime, the share called so. */
  readonly recall: readonly number[];
  readonly changesCalled: number;
  readonly trueChanges: number;
  /** Mean bars from a true change until the call names the new regime (spells never named are left out). */
  readonly meanDelay: number;
  /** True changes whose new regime was never called during the spell. */
  readonly missedSpells: number;
}

/** Scores a sequence of called regimes (indices into REGIME_NAMES) against the true ones. */
export function scoreRegimes(called: Uint8Array, truth: Uint8Array, from = 0, to = truth.length): RegimeScore {
  const K = REGIME_NAMES.length;
  const confusion = new Float64Array(K * K);
  let correct = 0;
  let changesCalled = 0;
  let trueChanges = 0;
  let delaySum = 0;
  let delayed = 0;
  let missed = 0;
  let spellStart = -1;
  let found = false;
  for (let t = from; t < to; t++) {
    const c = called[t] as number;
    const y = truth[t] as number;
    confusion[y * K + c] = (confusion[y * K + c] as number) + 1;
    if (c === y) correct++;
    if (t > from && c !== called[t - 1]) changesCalled++;
    if (t > from && y !== truth[t - 1]) {
      trueChanges++;
      if (spellStart >= 0 && !found) missed++;
      spellStart = t;
      found = false;
    }
    if (spellStart >= 0 && !found && c === y) {
      found = true;
      delaySum += t - spellStart;
      delayed++;
    }
  }
  if (spellStart >= 0 && !found) missed++;
  const precision: number[] = [];
  const recall: number[] = [];
  for (let k = 0; k < K; k++) {
    let calledK = 0;
    let trueK = 0;
    for (let j = 0; j < K; j++) {
      calledK += confusion[j * K + k] as number;
      trueK += confusion[k * K + j] as number;
    }
    precision.push(calledK > 0 ? (confusion[k * K + k] as number) / calledK : Number.NaN);
    recall.push(trueK > 0 ? (confusion[k * K + k] as number) / trueK : Number.NaN);
  }
  const bars = to - from;
  return {
    bars,
    accuracy: bars > 0 ? correct / bars : Number.NaN,
    precision,
    recall,
    changesCalled,
    trueChanges,
    meanDelay: delayed > 0 ? delaySum / delayed : Number.NaN,
    missedSpells: missed,
  };
}
