/**
 * The bars page scanner (issue 11, item 14) reads Alpaca's bars pages from the body's bytes. Held to a
 * reference built on JSON.parse (what the adapter did before): the same bars to the last bit, the same
 * symbols failed, the same page errors, and a SyntaxError exactly when JSON.parse throws one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MalformedBodyError } from '../src/broker/alpaca/alpaca-sdk.js';
import { scanBarsPage, type ScannedBarsPage } from '../src/broker/alpaca/bars-page-scanner.js';

const SYMBOLS = ['AAA', 'BBB', 'CCC'];
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** The adapter's page check before the scanner: JSON.parse, then the checks, bar by bar. */
function reference(text: string, symbols: readonly string[]): ScannedBarsPage {
  // As it came off the wire before: bytes, decoded (a byte order mark dropped), then parsed.
  const page = JSON.parse(new TextDecoder().decode(new TextEncoder().encode(text))) as unknown;
  if (typeof page !== 'object' || page === null || Array.isArray(page))
    throw new MalformedBodyError(
      `the body is ${page === null ? 'null' : Array.isArray(page) ? 'an array' : typeof page}, not an object`,
    );
  const { bars, next_page_token: token } = page as Record<string, unknown>;
  if (bars === undefined) throw new MalformedBodyError('no "bars"');
  if (token !== null && token !== undefined && typeof token !== 'string')
    throw new MalformedBodyError(`"next_page_token" is ${typeof token}, not a string or null`);
  const nextPageToken = typeof token === 'string' && token !== '' ? token : null;
  const data: Record<string, Float64Array> = {};
  const errors = new Map<string, string>();
  if (bars === null) return { data, nextPageToken, errors };
  if (typeof bars !== 'object' || Array.isArray(bars))
    throw new MalformedBodyError('"bars" is not an object keyed by symbol');
  for (const [symbol, list] of Object.entries(bars as Record<string, unknown>)) {
    if (!symbols.includes(symbol)) continue;
    if (!Array.isArray(list)) {
      errors.set(symbol, `"bars.${symbol}" is not an array`);
      continue;
    }
    const packed = new Float64Array(list.length * 6);
    list.every((raw: unknown, i) => {
      const problem = packBar(raw, packed, i * 6);
      if (problem !== null) errors.set(symbol, `bar ${i} of ${symbol}: ${problem}`);
      return problem === null;
    });
    if (!errors.has(symbol)) data[symbol] = packed;
  }
  return { data, nextPageToken, errors };
}

function packBar(raw: unknown, packed: Float64Array, at: number): string | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'not an object';
  const r = raw as Record<string, unknown>;
  const t = r['t'];
  const time = typeof t === 'string' && RFC3339.test(t) ? Date.parse(t) : Number.NaN;
  if (!Number.isFinite(time)) return '"t" is not an RFC 3339 time';
  packed[at] = time;
  for (const [f, field] of ['o', 'h', 'l', 'c', 'v'].entries()) {
    const value = r[field];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
      return `"${field}" is not a non-negative number`;
    packed[at + f + 1] = value;
  }
  return null;
}

type Outcome = { page: ScannedBarsPage } | { error: string };

function outcome(read: () => ScannedBarsPage): Outcome {
  try {
    return { page: read() };
  } catch (error) {
    // The kind of failure and the message up to the details the scanner quotes as they came.
    return { error: error instanceof SyntaxError ? 'SyntaxError' : String(error).replace(/ \(.*$/, '') };
  }
}

function assertSame(text: string): void {
  const expected = outcome(() => reference(text, SYMBOLS));
  const actual = outcome(() => scanBarsPage(new TextEncoder().encode(text), SYMBOLS));
  if ('error' in expected || 'error' in actual) {
    assert.deepEqual(actual, expected, text);
    return;
  }
  const e = expected.page;
  const a = actual.page;
  assert.equal(a.nextPageToken, e.nextPageToken, text);
  assert.deepEqual(Object.keys(a.data).sort(), Object.keys(e.data).sort(), text);
  for (const [symbol, bars] of Object.entries(e.data)) {
    const got = a.data[symbol] as Float64Array;
    assert.equal(got.length, bars.length, text);
    // To the last bit (Object.is tells -0 from 0).
    bars.forEach((value, i) => assert.ok(Object.is(got[i], value), `${symbol}[${i}]: ${got[i]} ≠ ${value} in ${text}`));
  }
  const messages = (errors: ReadonlyMap<string, string>) =>
    [...errors].map(([symbol, message]) => [symbol, message.replace(/ \(.*$/, '')]).sort();
  assert.deepEqual(messages(a.errors), messages(e.errors), text);
}

/** Number literals as JSON allows them, in every form (leading minus, fractions, exponents, long mantissas). */
const numberText = fc
  .tuple(
    fc.boolean(),
    fc.oneof(fc.constant('0'), fc.bigInt({ min: 1n, max: 10n ** 20n }).map(String)),
    fc.option(fc.stringMatching(/^[0-9]{1,25}$/), { nil: undefined }),
    fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.integer({ min: 0, max: 400 })), {
      nil: undefined,
    }),
  )
  .map(
    ([negative, int, fraction, exponent]) =>
      `${negative ? '-' : ''}${int}${fraction === undefined ? '' : `.${fraction}`}${exponent === undefined ? '' : exponent.join('')}`,
  );
const price = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: 0, max: 1e6, noNaN: true }).map((x) => JSON.stringify(x)) },
  { weight: 3, arbitrary: numberText },
  { weight: 1, arbitrary: fc.constantFrom('"NaN"', 'null', 'true', '[]', '{"x":[1,{"y":null}]}', '"12"') },
);
const time = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .date({ min: new Date(0), max: new Date(Date.UTC(2100, 0)), noInvalidDate: true })
      .map((d) => `"${d.toISOString().replace(/\.\d+Z$/, 'Z')}"`),
  },
  {
    weight: 1,
    arbitrary: fc
      .date({ noInvalidDate: true, min: new Date(Date.UTC(1000, 0)), max: new Date(Date.UTC(9999, 0)) })
      .map((d) => JSON.stringify(d.toISOString())),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '"2025-02-30T14:30:00Z"',
      '"2024-02-29T14:30:00Z"',
      '"2025-01-06T24:00:00Z"',
      '"2025-01-06T14:30:60Z"',
      '"2025-01-06T14:30:00+02:00"',
      '"2025-01-06T14:30Z"',
      '"\\u0032025-01-06T14:30:00Z"',
      '"yesterday"',
      '"1969-12-31T23:59:59Z"',
      '1736173800000',
      'null',
    ),
  },
);
const spaces = fc.constantFrom('', ' ', '\n  ', '\t');
const key = fc.constantFrom('t', 'o', 'h', 'l', 'c', 'v', 'n', 'vw', 'x', '\\u0074', 'tt', '');
const bar = fc.oneof(
  {
    weight: 12,
    arbitrary: fc
      .tuple(time, price, price, price, price, price, fc.array(fc.tuple(key, price), { maxLength: 2 }), spaces)
      .chain(([t, o, h, l, c, v, extra, s]) =>
        fc
          .shuffledSubarray(
            [['t', t], ['o', o], ['h', h], ['l', l], ['c', c], ['v', v], ['n', '7'], ['vw', '1.5'], ...extra],
            { minLength: 4 },
          )
          .map((fields) => `{${fields.map(([k, value]) => `${s}"${k}"${s}:${s}${value}`).join(',')}${s}}`),
      ),
  },
  { weight: 1, arbitrary: fc.constantFrom('null', '[]', '"bar"', '3') },
);
/** Mostly good bars (a clean page), sometimes any. */
const goodBar = fc
  .tuple(
    fc.date({ min: new Date(0), max: new Date(Date.UTC(2100, 0)), noInvalidDate: true }),
    fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 5, maxLength: 5 }),
  )
  .map(([d, [o, h, l, c, v]]) =>
    JSON.stringify({ t: d.toISOString().replace(/\.\d+Z$/, 'Z'), o, h, l, c, v, n: 3, vw: c }),
  );
const barList = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .array(fc.oneof({ weight: 4, arbitrary: goodBar }, { weight: 1, arbitrary: bar }), { maxLength: 12 })
      .map((bars) => `[${bars.join(',')}]`),
  },
  { weight: 1, arbitrary: fc.constantFrom('null', '{}', '"x"', '[[]]') },
);
const page = fc
  .tuple(
    fc.array(
      fc.tuple(
        fc.oneof(
          { weight: 6, arbitrary: fc.constantFrom(...SYMBOLS) },
          { weight: 1, arbitrary: fc.constantFrom('ZZZ', 'A\\u0041A') },
        ),
        barList,
      ),
      { minLength: 1, maxLength: 4 },
    ),
    fc.constantFrom('"other"', '"other"', '"other"', '"bars"', '"next_page_token"'),
    fc.oneof(
      {
        weight: 8,
        arbitrary: fc.oneof(
          fc.constantFrom('null', '""', '"tok123"', '"t\\"ok"'),
          fc.string().map((t) => JSON.stringify(t)),
        ),
      },
      { weight: 1, arbitrary: fc.constantFrom('7', '[]', '{"a":1}', 'false') },
    ),
    fc.oneof(
      { weight: 12, arbitrary: fc.constant('bars-object') },
      { weight: 1, arbitrary: fc.constantFrom('bars-null', 'bars-missing', 'bars-array', 'bars-twice') },
    ),
    spaces,
  )
  .map(([entries, extraKey, token, shape, s]) => {
    const barsObject = `{${entries.map(([symbol, list]) => `${s}"${symbol}":${s}${list}`).join(',')}}`;
    const members: string[] = [];
    if (shape === 'bars-object' || shape === 'bars-twice') members.push(`"bars":${s}${barsObject}`);
    if (shape === 'bars-null') members.push('"bars":null');
    if (shape === 'bars-array') members.push('"bars":[1,2]');
    members.push(`"next_page_token":${s}${token}`);
    members.push(`${extraKey}:${s}{"deep":[[[{"a":[]}]]],"n":-0.5e-3}`);
    if (shape === 'bars-twice') members.push(`"bars":${barsObject.replace('"AAA"', '"BBB"')}`);
    return `${s}{${s}${members.join(`,${s}`)}${s}}${s}`;
  });

test('the scanner reads every page as JSON.parse and the old checks did, to the last bit', () => {
  fc.assert(
    fc.property(page, (text) => assertSame(text)),
    { numRuns: 400 },
  );
});

test('a body cut anywhere, or with a byte changed, fails as JSON.parse fails (SyntaxError), and only then', () => {
  fc.assert(
    fc.property(page, fc.nat(), fc.integer({ min: 0, max: 127 }), fc.boolean(), (text, at, byte, cut) => {
      const position = at % Math.max(1, text.length);
      const broken = cut
        ? text.slice(0, position)
        : `${text.slice(0, position)}${String.fromCharCode(byte)}${text.slice(position + 1)}`;
      assertSame(broken);
    }),
    { numRuns: 600 },
  );
});

test('pages that are not objects, and odd but valid JSON, are answered as before', () => {
  for (const text of [
    'null',
    '[]',
    '"bars"',
    '12',
    'true',
    '{}',
    '{"bars":{}}',
    '\ufeff{"bars":{"AAA":[]},"next_page_token":null}',
    '{"bars":{"AAA":[{"t":"2025-01-06T14:30:00Z","o":1,"h":1,"l":1,"c":1,"v":1}]},"bars":{}}',
    '{"bars":{"AAA":[{"t":"2025-01-06T14:30:00Z","o":1,"h":1,"l":1,"c":1,"v":1,"o":-1}]}}',
    '{"bars":{"AAA":[{"t":"2025-01-06T14:30:00Z","o":1e308,"h":1e309,"l":1,"c":1,"v":1}]}}',
    '{"bars":{"AAA":[{"t":"2025-01-06T14:30:00Z","o":0.1,"h":123456789012345678,"l":5e-324,"c":-0,"v":1.7976931348623157e308}]}}',
    '{"bars":{"AAA":[{"t":"2025-01-06T14:30:00Z","o":1,"h":1,"l":1,"c":1,"v":1}]}} x',
    '{"bars":{"AAA":[{"t":"2025-01-06T14:30:00Z","o":01,"h":1,"l":1,"c":1,"v":1}]}}',
    '{"bars":{"AAA":[{"t":"2025-01-06\u0001T14:30:00Z","o":1,"h":1,"l":1,"c":1,"v":1}]}}',
    '{"bars":{"AAA":[{"t":"2025-01-06T14:30:00Z","o":1.,"h":1,"l":1,"c":1,"v":1}]}}',
    '{"bars":{"AAA":[{"t":"2025-01-06T14:30:00Z","o":1,"h":1,"l":1,"c":1,"v":1},]}}',
    '{"bars":{"AAA":[{"t":"2025-01-06T14:30:00Z","o":1,"h":1,"l":1,"c":1,"v":1}]},}',
    '{"bars":"no","next_page_token":5}',
    '{"bars":null,"next_page_token":5}',
    '{"next_page_token":"x"}',
  ])
    assertSame(text);
});
