import assert from 'node:assert/strict';
import { test } from 'node:test';
import { styledCharsToString } from '@alcalzone/ansi-tokenize';
import fc from 'fast-check';
import {
  RememberedOutputCaches,
  rememberingOutputClass,
  type InkOutputClass,
  type OutputClip,
  type OutputTransformer,
  type StyledCellsToString,
} from '../src/cli/ink-output-memory.js';

/** Ink's own Output, the reference (its module is not among the package's exports). */
const InkOutput = (
  (await import(import.meta.resolve('ink').replace(/index\.js$/, 'output.js'))) as { default: InkOutputClass }
).default;
const cellsToString = styledCharsToString as unknown as StyledCellsToString;

const SGR = [
  '\x1b[31m',
  '\x1b[39m',
  '\x1b[1m',
  '\x1b[22m',
  '\x1b[2m',
  '\x1b[4m',
  '\x1b[0m',
  '\x1b[38;5;208m',
  '\x1b[44m',
];
const PIECES = ['a', 'Z', ' ', '─', '│', '▲', '·', '1,234.56', '古', '👍', '👍🏽', 'e\u0301', '\u200b', '\n', ...SGR];
const text = fc.array(fc.constantFrom(...PIECES), { maxLength: 24 }).map((pieces) => pieces.join(''));

/** Transformers as Ink's Text makes them: colours around each line, or a change that depends on the line's index. */
const TRANSFORMERS: readonly OutputTransformer[] = [
  (line) => `\x1b[32m${line}\x1b[39m`,
  (line) => `\x1b[1m${line}\x1b[22m`,
  (line, index) => (index % 2 === 0 ? line.toUpperCase() : line),
  (line) => line.replace(/a/g, '古'),
];

const bound = fc.option(fc.integer({ min: -3, max: 14 }), { nil: undefined });
const clip = fc.record({ x1: bound, x2: bound, y1: bound, y2: bound }) as fc.Arbitrary<OutputClip>;

type Step =
  | {
      readonly type: 'write';
      readonly x: number;
      readonly y: number;
      readonly text: number;
      readonly transformers: readonly number[];
    }
  | { readonly type: 'clip'; readonly clip: OutputClip }
  | { readonly type: 'unclip' };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      type: fc.constant('write' as const),
      x: fc.integer({ min: -3, max: 14 }),
      y: fc.integer({ min: -2, max: 7 }),
      text: fc.nat(),
      transformers: fc.array(fc.nat({ max: TRANSFORMERS.length - 1 }), { maxLength: 2 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('clip' as const), clip }) },
  { weight: 1, arbitrary: fc.constant({ type: 'unclip' as const }) },
);

/** Frames drawn from a few texts (so that frames repeat lines, as the App's do), at one of a few sizes. */
const frames = fc.record({
  texts: fc.array(text, { minLength: 1, maxLength: 6 }),
  frames: fc.array(
    fc.record({
      width: fc.constantFrom(0, 1, 5, 12),
      height: fc.constantFrom(0, 3, 6),
      steps: fc.array(step, { maxLength: 12 }),
    }),
    { minLength: 1, maxLength: 8 },
  ),
  cellsPerGeneration: fc.constantFrom(8, 60, 100_000),
});

test("each frame is the very text Ink's Output gives, frame after frame, whatever was remembered", () => {
  fc.assert(
    fc.property(frames, ({ texts, frames, cellsPerGeneration }) => {
      const Remembering = rememberingOutputClass(InkOutput, cellsToString, cellsPerGeneration);
      for (const { width, height, steps } of frames) {
        const expected = new InkOutput({ width, height });
        const actual = new Remembering({ width, height });
        for (const output of [expected, actual])
          for (const s of steps) {
            if (s.type === 'clip') output.clip(s.clip);
            else if (s.type === 'unclip') output.unclip();
            else
              output.write(s.x, s.y, texts[s.text % texts.length] as string, {
                transformers: s.transformers.map((t) => TRANSFORMERS[t] as OutputTransformer),
              });
          }
        assert.deepEqual(actual.get(), expected.get());
      }
    }),
    { numRuns: 2000 },
  );
});

test('a screen of the App’s kind, its lines written again: the same frame, from memory', () => {
  const Remembering = rememberingOutputClass(InkOutput, cellsToString);
  const draw = (Output: InkOutputClass, price: string) => {
    const output = new Output({ width: 40, height: 4 });
    output.write(0, 0, '╭─ Positions ────────╮\n│ AAPL  \x1b[32m▲\x1b[39m ' + price + ' │', { transformers: [] });
    output.write(0, 2, 'equity 100,000.00', { transformers: [TRANSFORMERS[0] as OutputTransformer] });
    return output.get().output;
  };
  for (const price of ['187.20', '187.20', '187.31', '187.20'])
    assert.equal(draw(Remembering, price), draw(InkOutput, price), price);
});

test('the memory is bounded: a stream of lines never drawn twice keeps at most two generations', () => {
  const cellsPerGeneration = 500;
  const caches = new RememberedOutputCaches(
    () => new InkOutput({ width: 0, height: 0 }).caches,
    cellsToString,
    cellsPerGeneration,
  );
  let most = 0;
  for (let i = 0; i < 5000; i++) {
    const line = `\x1b[32mline ${i} ▲\x1b[39m`;
    caches.getLines(`${line}\n${line}`);
    caches.getStringWidth(line);
    most = Math.max(most, caches.size);
  }
  // Each line: a text of two lines (~30 cells), its tokens, two widths.
  assert.ok(most < (2 * cellsPerGeneration) / 10, `${most} entries`);
  // A line still drawn survives the roll-over (its entry moves to the new generation).
  const kept = caches.getStyledChars('kept ▲');
  for (let i = 0; i < 2000; i++) {
    caches.getStyledChars(`filler ${i}`);
    assert.equal(caches.getStyledChars('kept ▲'), kept);
  }
});
