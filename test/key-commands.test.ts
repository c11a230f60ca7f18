import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KEY_BINDINGS, KEY_HELP, WATCH_KEY_HELP, WRITE_COMMANDS, keyToCommand } from '../components/key-commands.js';
import { NO_KEY } from '../components/key-batch.js';

test('every key in the table does what its help row says, and the help lists every row', () => {
  for (const binding of KEY_BINDINGS) {
    for (const [match, command] of binding.keys) {
      const pressed =
        'special' in match
          ? keyToCommand('', { ...NO_KEY, [match.special]: true, shift: match.shift ?? false })
          : keyToCommand(match.input, { ...NO_KEY, ctrl: match.ctrl === true });
      assert.equal(pressed, command, `${binding.label}: ${JSON.stringify(match)}`);
    }
  }
  assert.deepEqual(
    KEY_HELP.map(([keys]) => keys),
    KEY_BINDINGS.map((b) => b.label),
  );
});

test('watch: exactly the commands that change the bot are off, and its help says so', () => {
  assert.deepEqual([...WRITE_COMMANDS].sort(), ['close-all', 'retry-downloads', 'toggle-buys', 'toggle-pause']);
  const off = WATCH_KEY_HELP.filter(([, action]) => action.endsWith('off, watch is read-only')).map(([keys]) => keys);
  assert.deepEqual(off, ['p', 'x', 'b', 'r']);
  assert.equal(WATCH_KEY_HELP.find(([keys]) => keys.startsWith('q'))?.[1], 'quit (the bot keeps running)');
});

test('typed keys with Ctrl or Meta do nothing; special keys win over what is typed', () => {
  assert.equal(keyToCommand('p', { ...NO_KEY, meta: true }), null);
  assert.equal(keyToCommand('q', { ...NO_KEY, ctrl: true }), null);
  assert.equal(keyToCommand('q', { ...NO_KEY, tab: true }), 'focus-next');
});
