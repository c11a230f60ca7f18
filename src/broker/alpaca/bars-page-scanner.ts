/**
 * Reads one page of Alpaca's multi-symbol bars (`GET /v2/stocks/bars`) straight from the body's bytes:
 * `{"bars": {"AAPL": [{"t": …, "o": …, "h": …, "l": …, "c": …, "v": …, "n": …, "vw": …}, …], …},
 * "next_page_token": …}`. Each bar goes into six numbers of a Float64Array (time, open, high, low, close,
 * volume) as it is read: no text of the body, no object per bar, no string per field is made (a
 * 10,000-bar page parsed by `JSON.parse` was about 2 MB of objects and strings, every page).
 *
 * It accepts and refuses what `JSON.parse` does (a body that is not JSON throws a SyntaxError, as
 * `JSON.parse` would), gives every number to the last bit as `JSON.parse` reads it, takes the last of
 * duplicate keys, and checks the page's shape with the same messages as before.
 */

import { MalformedBodyError } from './alpaca-sdk.js';

/** Six numbers a bar: time, open, high, low, close, volume. */
export const NUMBERS_PER_BAR = 6;

/** One page: each wanted symbol's bars (packed), the symbols whose own bars were malformed, the next page. */
export interface ScannedBarsPage {
  readonly data: Readonly<Record<string, Float64Array>>;
  readonly nextPageToken: string | null;
  readonly errors: ReadonlyMap<string, string>;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

/** Exact powers of ten: a mantissa below 2^53 times or over one of these is rounded once, as JSON.parse rounds. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));
/** Decimal digits that always fit a double's 53-bit mantissa exactly. */
const EXACT_DIGITS = 15;

/** What a bar field held, for the check once its object is closed. */
const MISSING = 0;
const NUMBER = 1;
const OTHER = 2;

/** Bar fields by position in the packed bar; `n`, `vw` and unknown keys are read and skipped. */
const FIELD_T = 0;
/** `t o h l c v` as bytes, in packed order. */
const FIELD_KEYS: readonly number[] = [...'tohlcv'].map((ch) => ch.charCodeAt(0));
const PRICE_FIELD_NAMES = ['o', 'h', 'l', 'c', 'v'] as const;

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

const utf8 = new TextDecoder();

/** Two ASCII digits at `at` as a number; negative when either is not a digit. */
function twoDigits(b: Uint8Array, at: number): number {
  const tens = (b[at] as number) - ZERO;
  const ones = (b[at + 1] as number) - ZERO;
  return tens >= 0 && tens <= 9 && ones >= 0 && ones <= 9 ? tens * 10 + ones : -1;
}

const DAY_MS = 86_400_000;

/** UTC epoch ms of a valid date and time, as Date.UTC gives it (days from the civil calendar, no Date call). */
function epochMs(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  const days = era * 146_097 + dayOfEra - 719_468;
  return days * DAY_MS + hour * 3_600_000 + minute * 60_000 + second * 1000;
}

function describeSymbols(symbols: readonly string[]): string {
  const shown = symbols.slice(0, 5).join(', ');
  return symbols.length > 5 ? `${shown} and ${symbols.length - 5} more` : shown;
}

export function scanBarsPage(body: Uint8Array, symbols: readonly string[]): ScannedBarsPage {
  return new PageScanner(body, symbols).page();
}

class PageScanner {
  private pos = 0;
  /** Bars of the symbol being read, grown as needed and reused for every symbol of the page. */
  private scratch = new Float64Array(NUMBERS_PER_BAR * 1024);
  /** The fields of the bar being read: kind (MISSING, NUMBER, OTHER), value, and where its raw text is. */
  private readonly kinds = new Uint8Array(NUMBERS_PER_BAR);
  private readonly values = new Float64Array(NUMBERS_PER_BAR);
  private readonly rawStart = new Uint32Array(NUMBERS_PER_BAR);
  private readonly rawEnd = new Uint32Array(NUMBERS_PER_BAR);
  /** The `t` field was read in place (the common `YYYY-MM-DDTHH:MM:SSZ`) into `values`. */
  private timeReadInPlace = false;
  /** The number just read (kept in a typed array: a double returned from a call would be boxed on the heap). */
  private readonly number = new Float64Array(1);
  private readonly wanted: ReadonlySet<string>;

  constructor(
    private readonly b: Uint8Array,
    private readonly symbols: readonly string[],
  ) {
    this.wanted = new Set(symbols);
  }

  page(): ScannedBarsPage {
    const b = this.b;
    // TextDecoder (which fed JSON.parse before) drops a byte order mark.
    if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) this.pos = 3;
    this.space();
    if (b[this.pos] !== OPEN_BRACE) {
      const kind = this.kindOfValue();
      this.skipValue();
      this.end();
      throw new MalformedBodyError(`the body is ${kind}, not an object`);
    }
    // As JSON.parse would have them: the last of duplicate keys counts.
    let bars: ReadonlyMap<string, Float64Array> | null | 'not an object' | undefined;
    let errors = new Map<string, string>();
    let token: string | null = null;
    let tokenKind = 'undefined';
    this.pos++;
    this.space();
    if (b[this.pos] === CLOSE_BRACE) this.pos++;
    else {
      do {
        this.space();
        const key = this.string();
        this.space();
        this.expect(COLON);
        this.space();
        if (key === 'bars') {
          errors = new Map();
          bars = this.bars(errors);
        } else if (key === 'next_page_token') {
          tokenKind = this.kindOfValue();
          if (tokenKind === 'string') token = this.string();
          else this.skipValue();
        } else this.skipValue();
        this.space();
      } while (this.comma(CLOSE_BRACE));
    }
    this.end();
    const forSymbols = `(a page for ${describeSymbols(this.symbols)})`;
    if (bars === undefined) throw new MalformedBodyError(`no "bars" ${forSymbols}`);
    if (tokenKind !== 'string' && tokenKind !== 'null' && tokenKind !== 'undefined') {
      const typeOf = tokenKind === 'an array' ? 'object' : tokenKind;
      throw new MalformedBodyError(`"next_page_token" is ${typeOf}, not a string or null ${forSymbols}`);
    }
    const nextPageToken = tokenKind === 'string' && token !== '' ? token : null;
    if (bars === null) return { data: {}, nextPageToken, errors: new Map() };
    if (bars === 'not an object') throw new MalformedBodyError(`"bars" is not an object keyed by symbol ${forSymbols}`);
    return { data: Object.fromEntries(bars), nextPageToken, errors };
  }

  /** The value of "bars": null, each wanted symbol's packed bars, or 'not an object' (its syntax checked). */
  private bars(errors: Map<string, string>): ReadonlyMap<string, Float64Array> | null | 'not an object' {
    const b = this.b;
    if (b[this.pos] !== OPEN_BRACE) {
      const kind = this.kindOfValue();
      this.skipValue();
      return kind === 'null' ? null : 'not an object';
    }
    const data = new Map<string, Float64Array>();
    this.pos++;
    this.space();
    if (b[this.pos] === CLOSE_BRACE) {
      this.pos++;
      return data;
    }
    do {
      this.space();
      const symbol = this.string();
      this.space();
      this.expect(COLON);
      this.space();
      if (!this.wanted.has(symbol)) this.skipValue();
      else {
        data.delete(symbol);
        errors.delete(symbol);
        if (b[this.pos] !== OPEN_BRACKET) {
          this.skipValue();
          errors.set(symbol, `"bars.${symbol}" is not an array`);
        } else {
          const packed = this.barList(symbol, errors);
          if (packed !== null) data.set(symbol, packed);
        }
      }
      this.space();
    } while (this.comma(CLOSE_BRACE));
    return data;
  }

  /** A symbol's array of bars, packed; null (with its error noted) when a bar is malformed. */
  private barList(symbol: string, errors: Map<string, string>): Float64Array | null {
    const b = this.b;
    this.pos++; // [
    this.space();
    let count = 0;
    let problem: string | null = null;
    if (b[this.pos] === CLOSE_BRACKET) this.pos++;
    else {
      for (;;) {
        this.space();
        if (problem !== null) this.skipValue();
        else {
          const at = count * NUMBERS_PER_BAR;
          if (at + NUMBERS_PER_BAR > this.scratch.length) {
            const grown = new Float64Array(this.scratch.length * 2);
            grown.set(this.scratch);
            this.scratch = grown;
          }
          const wrong = this.bar(at);
          if (wrong === null) count++;
          else problem = `bar ${count} of ${symbol}: ${wrong}`;
        }
        this.space();
        if (!this.comma(CLOSE_BRACKET)) break;
      }
    }
    if (problem !== null) {
      errors.set(symbol, problem);
      return null;
    }
    return this.scratch.slice(0, count * NUMBERS_PER_BAR);
  }

  /** One bar into the scratch at `at`, or what is wrong with it. */
  private bar(at: number): string | null {
    const b = this.b;
    if (b[this.pos] !== OPEN_BRACE) {
      this.skipValue();
      return 'not an object';
    }
    this.kinds.fill(MISSING);
    this.pos++;
    this.space();
    if (b[this.pos] === CLOSE_BRACE) this.pos++;
    else {
      for (;;) {
        this.space();
        const field = this.barKey();
        this.space();
        this.expect(COLON);
        this.space();
        if (field < 0) this.skipValue();
        else this.barField(field);
        this.space();
        if (!this.comma(CLOSE_BRACE)) break;
      }
    }
    if (!this.timeOfBar()) return `"t" is not an RFC 3339 time (${this.rawText(FIELD_T)})`;
    for (let f = 1; f < NUMBERS_PER_BAR; f++) {
      const value = this.values[f] as number;
      if (this.kinds[f] !== NUMBER || !(value >= 0) || !Number.isFinite(value))
        return `"${PRICE_FIELD_NAMES[f - 1] as string}" is not a non-negative number (${this.rawText(f)})`;
    }
    const scratch = this.scratch;
    for (let f = 0; f < NUMBERS_PER_BAR; f++) scratch[at + f] = this.values[f] as number;
    return null;
  }

  /** A bar's key as its field (0 t, 1 o, 2 h, 3 l, 4 c, 5 v), or -1 for any other key; no string is made of it. */
  private barKey(): number {
    const b = this.b;
    const start = this.pos;
    if (b[start] === QUOTE) {
      let p = start + 1;
      let c = b[p];
      while (c !== undefined && c !== QUOTE && c !== BACKSLASH && c >= 0x20) c = b[++p];
      if (c === QUOTE) {
        this.pos = p + 1;
        return p === start + 2 ? FIELD_KEYS.indexOf(b[start + 1] as number) : -1;
      }
    }
    // Escapes (or a syntax error): the slow way.
    const key = this.string();
    return key.length === 1 ? FIELD_KEYS.indexOf(key.charCodeAt(0)) : -1;
  }

  private barField(field: number): void {
    const b = this.b;
    const start = this.pos;
    const c = b[start] as number;
    this.rawStart[field] = start;
    if (c === MINUS || (c >= ZERO && c <= NINE)) {
      this.readNumber();
      this.values[field] = this.number[0] as number;
      this.kinds[field] = NUMBER;
    } else {
      if (field === FIELD_T) this.timeReadInPlace = c === QUOTE && this.timeInPlace(start);
      this.skipValue();
      this.kinds[field] = OTHER;
    }
    this.rawEnd[field] = this.pos;
  }

  /**
   * `YYYY-MM-DDTHH:MM:SSZ` (what Alpaca sends) read in place into `values`, when plainly valid; false
   * leaves anything else (a 29th of February, a leap second, an offset) to Date.parse.
   */
  private timeInPlace(at: number): boolean {
    const b = this.b;
    if (b[at + 21] !== QUOTE || b[at + 5] !== MINUS || b[at + 8] !== MINUS || b[at + 11] !== 0x54) return false;
    if (b[at + 14] !== COLON || b[at + 17] !== COLON || b[at + 20] !== 0x5a) return false;
    const century = twoDigits(b, at + 1);
    const yearOfCentury = twoDigits(b, at + 3);
    if (century < 0 || yearOfCentury < 0) return false;
    const year = century * 100 + yearOfCentury;
    const month = twoDigits(b, at + 6);
    const day = twoDigits(b, at + 9);
    const hour = twoDigits(b, at + 12);
    const minute = twoDigits(b, at + 15);
    const second = twoDigits(b, at + 18);
    if (!(year >= 1970 && month >= 1 && month <= 12 && day >= 1 && day <= 28)) return false;
    if (!(hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59)) return false;
    this.values[FIELD_T] = epochMs(year, month, day, hour, minute, second);
    return true;
  }

  /** The bar's time into `values`; false when `t` is missing or not an RFC 3339 time. */
  private timeOfBar(): boolean {
    if (this.kinds[FIELD_T] !== OTHER || this.b[this.rawStart[FIELD_T] as number] !== QUOTE) return false;
    if (this.timeReadInPlace) return true;
    const text = JSON.parse(this.rawText(FIELD_T)) as string;
    const time = RFC3339.test(text) ? Date.parse(text) : Number.NaN;
    this.values[FIELD_T] = time;
    return Number.isFinite(time);
  }

  /** A field's JSON text as it came (for messages), or `undefined` when the bar lacks it. */
  private rawText(field: number): string {
    if (this.kinds[field] === MISSING) return 'undefined';
    return utf8.decode(this.b.subarray(this.rawStart[field], this.rawEnd[field]));
  }

  // ---- JSON syntax ----

  private space(): void {
    const b = this.b;
    let p = this.pos;
    for (;;) {
      const c = b[p];
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p++;
      else break;
    }
    this.pos = p;
  }

  /** After a member: true at a comma (consumed), false at `close` (consumed); anything else is a syntax error. */
  private comma(close: number): boolean {
    const c = this.b[this.pos];
    if (c === COMMA) {
      this.pos++;
      return true;
    }
    if (c === close) {
      this.pos++;
      return false;
    }
    return this.fail();
  }

  private expect(byte: number): void {
    if (this.b[this.pos] !== byte) this.fail();
    this.pos++;
  }

  /** Only whitespace may follow the top-level value. */
  private end(): void {
    this.space();
    if (this.pos !== this.b.length) this.fail();
  }

  private fail(): never {
    const at = this.pos;
    throw new SyntaxError(
      at >= this.b.length
        ? 'Unexpected end of JSON input'
        : `Unexpected character ${JSON.stringify(String.fromCharCode(this.b[at] as number))} in JSON at byte ${at}`,
    );
  }

  /** What JSON.parse would make of the value here, as `typeof` (or null/an array), for messages. */
  private kindOfValue(): string {
    const c = this.b[this.pos];
    if (c === QUOTE) return 'string';
    if (c === OPEN_BRACE) return 'object';
    if (c === OPEN_BRACKET) return 'an array';
    if (c === 0x74 || c === 0x66) return 'boolean';
    if (c === 0x6e) return 'null';
    return 'number';
  }

  /** A string, decoded (keys, symbols, the page token); the position moves past it. */
  private string(): string {
    const b = this.b;
    const start = this.pos;
    if (b[start] !== QUOTE) this.fail();
    let plain = true;
    let p = start + 1;
    for (;;) {
      const c = b[p];
      if (c === undefined) {
        this.pos = p;
        this.fail();
      }
      if (c === QUOTE) break;
      if (c < 0x20) {
        this.pos = p;
        this.fail();
      }
      if (c === BACKSLASH) {
        plain = false;
        this.pos = p;
        p = this.escape(p);
      } else {
        if (c >= 0x80) plain = false;
        p++;
      }
    }
    this.pos = p + 1;
    if (plain) {
      let text = '';
      for (let i = start + 1; i < p; i++) text += String.fromCharCode(b[i] as number);
      return text;
    }
    return JSON.parse(utf8.decode(b.subarray(start, p + 1))) as string;
  }

  /** Checks the escape at `p` (a backslash); returns the position after it. */
  private escape(p: number): number {
    const b = this.b;
    const c = b[p + 1];
    if (c === 0x75) {
      for (let i = 2; i < 6; i++) {
        const h = b[p + i] as number;
        const hex = (h >= ZERO && h <= NINE) || (h >= 0x41 && h <= 0x46) || (h >= 0x61 && h <= 0x66);
        if (!hex) {
          this.pos = p + i;
          this.fail();
        }
      }
      return p + 6;
    }
    // " \ / b f n r t
    if (
      c === QUOTE ||
      c === BACKSLASH ||
      c === 0x2f ||
      c === 0x62 ||
      c === 0x66 ||
      c === 0x6e ||
      c === 0x72 ||
      c === 0x74
    )
      return p + 2;
    this.pos = p + 1;
    return this.fail();
  }

  /** A JSON number into `number[0]`, to the last bit as JSON.parse gives it. */
  private readNumber(): void {
    const b = this.b;
    const start = this.pos;
    let p = start;
    const negative = b[p] === MINUS;
    if (negative) p++;
    let mantissa = 0;
    let digits = 0;
    let c = b[p] as number;
    if (c === ZERO) {
      p++;
    } else if (c > ZERO && c <= NINE) {
      while (c >= ZERO && c <= NINE) {
        mantissa = mantissa * 10 + (c - ZERO);
        digits++;
        c = b[++p] as number;
      }
    } else {
      this.pos = p;
      this.fail();
    }
    let fraction = 0;
    if (b[p] === DOT) {
      c = b[++p] as number;
      if (!(c >= ZERO && c <= NINE)) {
        this.pos = p;
        this.fail();
      }
      while (c >= ZERO && c <= NINE) {
        if (digits > 0 || c !== ZERO) digits++;
        mantissa = mantissa * 10 + (c - ZERO);
        fraction++;
        c = b[++p] as number;
      }
    }
    let exponent = 0;
    let hasExponent = false;
    if (b[p] === 0x65 || b[p] === 0x45) {
      hasExponent = true;
      c = b[++p] as number;
      let exponentNegative = false;
      if (c === MINUS || c === PLUS) {
        exponentNegative = c === MINUS;
        c = b[++p] as number;
      }
      if (!(c >= ZERO && c <= NINE)) {
        this.pos = p;
        this.fail();
      }
      while (c >= ZERO && c <= NINE) {
        if (exponent < 1e6) exponent = exponent * 10 + (c - ZERO);
        c = b[++p] as number;
      }
      if (exponentNegative) exponent = -exponent;
    }
    this.pos = p;
    const scale = exponent - fraction;
    // Exact mantissa and an exact power of ten: one correctly rounded operation (Clinger's fast path).
    if (digits <= EXACT_DIGITS && !hasExponent && scale >= -22) {
      const magnitude = scale < 0 ? mantissa / (POWERS_OF_TEN[-scale] as number) : mantissa;
      this.number[0] = negative ? -magnitude : magnitude;
      return;
    }
    let text = '';
    for (let i = start; i < p; i++) text += String.fromCharCode(b[i] as number);
    this.number[0] = Number(text);
  }

  /** Any JSON value, checked and passed over. */
  private skipValue(): void {
    const b = this.b;
    const c = b[this.pos];
    if (c === QUOTE) {
      this.skipString();
      return;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      this.skipContainer();
      return;
    }
    if (c === MINUS || (c !== undefined && c >= ZERO && c <= NINE)) {
      this.readNumber();
      return;
    }
    for (const word of LITERALS) {
      if (c === word[0]) {
        for (let i = 0; i < word.length; i++) if (b[this.pos + i] !== word[i]) this.fail();
        this.pos += word.length;
        return;
      }
    }
    this.fail();
  }

  private skipString(): void {
    const b = this.b;
    if (b[this.pos] !== QUOTE) this.fail();
    let p = this.pos + 1;
    for (;;) {
      const c = b[p];
      if (c === QUOTE) break;
      if (c === undefined || c < 0x20) {
        this.pos = p;
        this.fail();
      }
      p = c === BACKSLASH ? this.escape(p) : p + 1;
    }
    this.pos = p + 1;
  }

  /** An object or array, nested to any depth, without recursion. */
  private skipContainer(): void {
    const b = this.b;
    const closers: number[] = [];
    let atOpening = true;
    for (;;) {
      if (atOpening) {
        const close = b[this.pos] === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET;
        this.pos++;
        this.space();
        if (b[this.pos] === close) {
          this.pos++;
          atOpening = false;
        } else {
          closers.push(close);
          atOpening = this.member(close);
          continue;
        }
      }
      // A value has ended: the next member of the innermost open container, or its end.
      const close = closers.at(-1);
      if (close === undefined) return;
      this.space();
      if (this.comma(close)) {
        this.space();
        atOpening = this.member(close);
      } else closers.pop();
    }
  }

  /**
   * A member of a container closed by `close` (an object's `"key":` first): passes over a scalar value
   * and returns false, or stops at a container's opening and returns true.
   */
  private member(close: number): boolean {
    if (close === CLOSE_BRACE) {
      this.skipString();
      this.space();
      this.expect(COLON);
      this.space();
    }
    const c = this.b[this.pos];
    if (c === OPEN_BRACE || c === OPEN_BRACKET) return true;
    this.skipValue();
    return false;
  }
}

const LITERALS: readonly (readonly number[])[] = ['true', 'false', 'null'].map((word) =>
  [...word].map((ch) => ch.charCodeAt(0)),
);
