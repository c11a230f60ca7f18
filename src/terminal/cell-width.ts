import stringWidth from 'string-width';

/**
 * How many terminal columns a character (grapheme cluster) takes, by the width function Ink lays out
 * with (string-width), cached: the screen holds few distinct characters. ASCII never reaches here.
 */
const MAX_CACHED = 4096;
const byCodePoint = new Map<number, number>();
const byCluster = new Map<string, number>();

export function codePointWidth(codePoint: number): number {
  let width = byCodePoint.get(codePoint);
  if (width === undefined) {
    width = stringWidth(String.fromCodePoint(codePoint));
    if (byCodePoint.size >= MAX_CACHED) byCodePoint.clear();
    byCodePoint.set(codePoint, width);
  }
  return width;
}

export function clusterWidth(cluster: string): number {
  let width = byCluster.get(cluster);
  if (width === undefined) {
    width = stringWidth(cluster);
    if (byCluster.size >= MAX_CACHED) byCluster.clear();
    byCluster.set(cluster, width);
  }
  return width;
}

export const ZERO_WIDTH_JOINER = 0x200d;
const MARK = /^\p{M}$/u;
const extendsCache = new Map<number, boolean>();

/**
 * Whether a code point joins the character before it instead of starting a new one: combining marks,
 * variation selectors, the zero-width joiner, emoji modifiers and tags (a subset of Unicode's grapheme
 * rules that covers what a terminal UI draws; anything else is its own cluster).
 */
export function extendsCluster(codePoint: number): boolean {
  if (codePoint < 0x300) return false;
  if (
    codePoint === ZERO_WIDTH_JOINER ||
    (codePoint >= 0xfe00 && codePoint <= 0xfe0f) || // variation selectors
    (codePoint >= 0x1f3fb && codePoint <= 0x1f3ff) || // emoji skin tones
    (codePoint >= 0xe0020 && codePoint <= 0xe007f) // tags
  )
    return true;
  let extending = extendsCache.get(codePoint);
  if (extending === undefined) {
    extending = MARK.test(String.fromCodePoint(codePoint));
    if (extendsCache.size >= MAX_CACHED) extendsCache.clear();
    extendsCache.set(codePoint, extending);
  }
  return extending;
}

export function isRegionalIndicator(codePoint: number): boolean {
  return codePoint >= 0x1f1e6 && codePoint <= 0x1f1ff;
}

/** UTF-8 bytes of a code point. */
export function utf8Length(codePoint: number): number {
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
}
