/** Did-you-mean for mistyped commands and options: close by edit distance, or the start of a longer name. */

/** Edits (insert, delete, substitute, swap two neighbours) turning `a` into `b`: optimal string alignment. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d = new Uint16Array(rows * cols);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        (d[(i - 1) * cols + j] as number) + 1,
        (d[i * cols + j - 1] as number) + 1,
        (d[(i - 1) * cols + j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, (d[(i - 2) * cols + j - 2] as number) + 1);
      d[i * cols + j] = best;
    }
  }
  return d[rows * cols - 1] as number;
}

/** Dashes and case are not part of what a name means: `-Symbol` is compared as `symbol`. */
const bare = (name: string): string => name.replace(/^-+/, '').toLowerCase();

/** Most edits that still count as a typo of a word this long: a third of its letters, at least 1. */
const closeEnough = (length: number): number => Math.max(1, Math.floor(length / 3));

/** The shortest typed start of a name that is taken as meaning it (`--iter` for `--iterations`). */
const MIN_PREFIX = 3;

/**
 * The candidates `typed` is most likely a typo of: those at the fewest edits, when that is close enough
 * for the word's length; else those it is the start of. Empty when nothing is close: no wild guesses.
 * `key` picks the part of a candidate to compare (the last word of `maintenance stats`, say).
 */
export function closestNames(
  typed: string,
  candidates: readonly string[],
  key: (candidate: string) => string = (c) => c,
): string[] {
  const word = bare(typed);
  if (word.length === 0) return [];
  let best = Number.POSITIVE_INFINITY;
  let found: string[] = [];
  for (const candidate of candidates) {
    const distance = editDistance(word, bare(key(candidate)));
    if (distance > closeEnough(word.length) || distance > best) continue;
    if (distance < best) found = [];
    best = distance;
    if (!found.includes(candidate)) found.push(candidate);
  }
  if (found.length > 0) return found;
  if (word.length < MIN_PREFIX) return [];
  return candidates.filter((c, i) => bare(key(c)).startsWith(word) && candidates.indexOf(c) === i);
}

/** ` (did you mean --symbols?)`, ` (did you mean start or maintenance stats?)`, or '' when nothing is close. */
export function didYouMean(typed: string, candidates: readonly string[], key?: (candidate: string) => string): string {
  const names = closestNames(typed, candidates, key);
  if (names.length === 0) return '';
  const listed = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
  return ` (did you mean ${listed}?)`;
}
