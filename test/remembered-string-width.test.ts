import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import stringWidth from 'string-width';
import rememberedStringWidth, { REMEMBERED_WIDTHS, rememberedWidthCount } from '../src/cli/remembered-string-width.js';

const COLOURED = fc
  .tuple(fc.string({ unit: 'grapheme' }), fc.constantFrom('', '\u001B[32m', '\u001B[1m\u001B[31m'))
  .map(([text, colour]) => (colour === '' ? text : `${colour}${text}\u001B[39m`));

test('the remembered width is string-width’s, asked once or many times, with or without options', () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), COLOURED),
      fc.boolean(),
      (text, countAnsi) => {
        const expected = stringWidth(text);
        assert.equal(rememberedStringWidth(text), expected);
        assert.equal(rememberedStringWidth(text), expected, 'again, from memory');
        assert.equal(
          rememberedStringWidth(text, { countAnsiEscapeCodes: countAnsi }),
          stringWidth(text, { countAnsiEscapeCodes: countAnsi }),
        );
      },
    ),
    { numRuns: 3000 },
  );
  for (const line of ['╭─ Equity ──╮', '│ ▲ ▼ ◆ · … │', '古い', '👍🏽 ok', 'e\u0301'])
    assert.equal(rememberedStringWidth(line), stringWidth(line), line);
});

test('the memory is bounded: the oldest widths go first', () => {
  for (let i = 0; i < REMEMBERED_WIDTHS * 3; i++) rememberedStringWidth(`line ${i} ·`);
  assert.equal(rememberedWidthCount(), REMEMBERED_WIDTHS);
  // Still right for a line that was forgotten.
  assert.equal(rememberedStringWidth('line 0 ·'), 8);
});
