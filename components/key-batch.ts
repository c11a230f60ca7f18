import type { Key } from 'ink';

/** One key of a batch, as Ink would have reported it had it arrived alone. */
export interface SingleKey {
  readonly input: string;
  readonly key: Key;
}

/** A key with no flag set: the base every parsed key (and every test's key) spreads over. */
export const NO_KEY: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};

/** Keys Ink reports by name only (an escape sequence or a modifier): never a batch of plain characters. */
function isNamedKey(key: Key): boolean {
  return (
    key.upArrow ||
    key.downArrow ||
    key.leftArrow ||
    key.rightArrow ||
    key.pageDown ||
    key.pageUp ||
    key.home ||
    key.end ||
    key.escape ||
    key.meta ||
    key.delete ||
    key.super === true ||
    key.hyper === true
  );
}

/** One plain character as Ink reports it alone: Tab, Enter and Backspace by flag, Ctrl-letter as the letter. */
function singleCharacter(char: string): SingleKey {
  switch (char) {
    case '\t':
      return { input: '', key: { ...NO_KEY, tab: true } };
    case '\r':
    case '\n':
      return { input: '', key: { ...NO_KEY, return: true } };
    case '\x7f':
    case '\b':
      return { input: '', key: { ...NO_KEY, backspace: true } };
  }
  const code = char.codePointAt(0) ?? 0;
  if (code >= 1 && code <= 26) return { input: String.fromCodePoint(code + 96), key: { ...NO_KEY, ctrl: true } };
  return { input: char, key: { ...NO_KEY, shift: /^[A-Z]$/.test(char) } };
}

/**
 * Splits what Ink reports as one input into the keys it holds, in order. Ink splits escape sequences
 * (arrows, Shift-Tab) and Ctrl-C into events of their own, but plain characters read together (`ppp`,
 * two Tabs, `++`: over SSH keys often arrive in one read) come as one string, which no single-key
 * binding matches.
 */
export function splitKeys(input: string, key: Key): SingleKey[] {
  const characters = [...input];
  if (characters.length <= 1 || isNamedKey(key)) return [{ input, key }];
  return characters.map(singleCharacter);
}
