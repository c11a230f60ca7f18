import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { test } from 'node:test';
import fc from 'fast-check';
import { defaultStartOptions } from '../src/cli/args.js';
import { COMMAND_TABLE, findCommand, runnableCommands, type CommandHelp } from '../src/cli/command-table.js';
import { TUNE_PROFILE_SHOWN, WATCH_POLL_MS_SHOWN, helpFor, usageLine } from '../src/cli/help.js';
import { closestNames, didYouMean, editDistance } from '../src/cli/suggest.js';
import { DEFAULT_PROFILE_NAME } from '../src/learn/profiles.js';
import { DEFAULT_POLL_MS } from '../src/store/database-snapshot-source.js';
import { runBin } from './support/bin.js';

/** Every command a user can ask about, as the issue names them. */
const HELP_PATHS = [
  ['start'],
  ['watch'],
  ['maintenance'],
  ['maintenance', 'stats'],
  ['maintenance', 'cleanup'],
  ['maintenance', 'check'],
  ['learn'],
  ['learn', 'report'],
  ['learn', 'tune'],
  ['help'],
];

/** Help text with its line wrapping undone. */
const oneLine = (text: string): string => text.replace(/\s+/g, ' ');
const flagNames = (command: CommandHelp): string[] => command.flags.map((f) => f.flag);

test('the command table has exactly the commands users can ask about', () => {
  const inTable: string[][] = [];
  const visit = (c: CommandHelp): void => {
    inTable.push([...c.path]);
    c.subcommands?.forEach(visit);
  };
  COMMAND_TABLE.forEach(visit);
  assert.deepEqual(inTable, HELP_PATHS);
});

/** Runs a few bins at a time: each is a Node start-up, and the machine is shared. */
async function inBatches<T, R>(items: readonly T[], size: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size) results.push(...(await Promise.all(items.slice(i, i + size).map(run))));
  return results;
}

test('COMMAND --help, COMMAND -h and help COMMAND: the command, its usage and all its flags on stdout, exit 0', async () => {
  await inBatches(HELP_PATHS, 3, async (path) => {
    const command = findCommand(path) as CommandHelp;
    const [long, short, viaHelp] = await Promise.all([
      runBin([...path, '--help']),
      runBin([...path, '-h']),
      runBin(['help', ...path]),
    ]);
    const label = path.join(' ');
    for (const result of [long, short, viaHelp]) {
      assert.equal(result.code, 0, `${label}: ${result.stderr}`);
      assert.equal(result.stderr, '', label);
    }
    assert.equal(short.stdout, long.stdout, `${label}: -h`);
    assert.equal(viaHelp.stdout, long.stdout, `help ${label}`);
    const text = long.stdout;
    assert.ok(text.startsWith(`Usage: trading-tui ${path[0] === 'start' ? '[start]' : label}`), `${label}:\n${text}`);
    for (const flag of flagNames(command)) assert.match(text, new RegExp(`^  ${flag}\\b`, 'm'), `${label} ${flag}`);
    if (command.subcommands === undefined && path[0] !== 'help') assert.match(text, /-h, --help {2,}this help/);
    for (const sub of command.subcommands ?? [])
      assert.ok(oneLine(text).includes(usageLine(sub)), `${label}: ${sub.path}`);
  });
});

test('watch --help lists --fps with its default; maintenance --help no longer needs a subcommand', async () => {
  const watch = await runBin(['watch', '--help']);
  assert.match(watch.stdout, /^ {2}--fps N +most redraws per second, 1 to 60 \(default: 10\)$/m);
  const maintenance = await runBin(['maintenance', '--help']);
  assert.equal(maintenance.code, 0);
  for (const sub of ['stats', 'cleanup', 'check'])
    assert.match(maintenance.stdout, new RegExp(`maintenance ${sub}\\b`));
});

test('trading-tui --help, -h and help: every command, then all of start’s options', async () => {
  const [help, short, word] = await Promise.all([runBin(['--help']), runBin(['-h']), runBin(['help'])]);
  for (const result of [help, short, word]) assert.equal(result.code, 0);
  assert.equal(short.stdout, help.stdout);
  assert.equal(word.stdout, help.stdout);
  for (const command of runnableCommands())
    assert.match(help.stdout, new RegExp(`^ {2}${command.path.join(' ')}\\b`, 'm'));
  for (const flag of flagNames(findCommand(['start']) as CommandHelp))
    assert.match(help.stdout, new RegExp(`^  ${flag}\\b`, 'm'));
});

test('the help shows the defaults where they live, not copies', () => {
  const defaults = defaultStartOptions();
  const help = helpFor(['start']);
  assert.match(help, new RegExp(`--equity-points N .*\\(default: ${defaults.equityPoints}\\)`));
  assert.match(help, new RegExp(`--fps N .*\\(default: ${defaults.fps}\\)`));
  assert.match(help, /--timeout TIME +timeout of each download request \(default: 15s\)/);
  assert.match(help, /--max-position PCT .*\(default: 10%\)/);
  // The two defaults whose home loads SQLite are shown from a copy: the copy must match.
  assert.equal(WATCH_POLL_MS_SHOWN, DEFAULT_POLL_MS);
  assert.equal(TUNE_PROFILE_SHOWN, DEFAULT_PROFILE_NAME);
  assert.match(helpFor(['learn', 'tune']), new RegExp(`--save NAME .*\\(default: ${DEFAULT_PROFILE_NAME}\\)`));
});

const UNKNOWN_COMMANDS: [string[], string][] = [
  [['stat'], 'unknown command "stat" (did you mean start or maintenance stats?)'],
  [['mantenance', 'stats'], 'unknown command "mantenance" (did you mean maintenance?)'],
  [['lern', 'report'], 'unknown command "lern" (did you mean learn?)'],
  [['check'], 'unknown command "check" (did you mean maintenance check?)'],
  [['frobnicate'], 'unknown command "frobnicate"'],
  [['help', 'stat'], 'unknown command "stat" (did you mean start or maintenance stats?)'],
];

for (const [args, line] of UNKNOWN_COMMANDS) {
  test(`unknown command ${args.join(' ')}: one line naming it, then the commands, exit 2`, async () => {
    const result = await runBin(args);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    const [first, ...rest] = result.stderr.split('\n');
    assert.equal(first, `trading-tui: ${line}`);
    const list = rest.join('\n');
    for (const command of runnableCommands()) assert.match(list, new RegExp(`^ {2}${command.path.join(' ')}\\b`, 'm'));
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  });
}

const UNKNOWN_SUBCOMMANDS: [string[], string][] = [
  [['maintenance', 'stat'], 'unknown maintenance command "stat" (did you mean stats?): stats, cleanup, check'],
  [['maintenance'], 'maintenance needs a command: stats, cleanup, check'],
  [['learn', 'tun'], 'unknown learn command "tun" (did you mean tune?): report, tune'],
  [
    ['maintenance', 'stat', '--help'],
    'unknown maintenance command "stat" (did you mean stats?): stats, cleanup, check',
  ],
];

for (const [args, line] of UNKNOWN_SUBCOMMANDS) {
  test(`${args.join(' ')}: one line, then that command's subcommands, exit 2`, async () => {
    const result = await runBin(args);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    const [first, ...rest] = result.stderr.split('\n');
    assert.equal(first, `trading-tui: ${line}`);
    const parent = findCommand(args.slice(0, 1)) as CommandHelp;
    for (const sub of parent.subcommands ?? []) assert.ok(oneLine(rest.join('\n')).includes(usageLine(sub)));
  });
}

test('edit distance: known values, symmetric, bounded by the lengths', () => {
  assert.equal(editDistance('symbol', 'symbols'), 1);
  assert.equal(editDistance('mantenance', 'maintenance'), 1);
  assert.equal(editDistance('hlep', 'help'), 1, 'a swap of neighbours is one edit');
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('', 'abc'), 3);
  fc.assert(
    fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
      const d = editDistance(a, b);
      assert.equal(d, editDistance(b, a));
      assert.ok(d >= Math.abs(a.length - b.length) && d <= Math.max(a.length, b.length));
      assert.equal(d === 0, a === b);
    }),
  );
});

test('suggestions only when close: typos and starts of names, never wild guesses', () => {
  const flags = ['--symbols', '--seed', '--iterations', '--interval', '--max-position', '--max-exposure'];
  assert.deepEqual(closestNames('--symbol', flags), ['--symbols']);
  assert.deepEqual(closestNames('-Symbols', flags), ['--symbols'], 'dashes and case do not matter');
  assert.deepEqual(closestNames('--iter', flags), ['--iterations'], 'the start of a name');
  assert.deepEqual(closestNames('--max', flags), ['--max-position', '--max-exposure'], 'the start of two names');
  assert.deepEqual(closestNames('--sed', flags), ['--seed']);
  assert.deepEqual(closestNames('--frobnicate', flags), []);
  assert.deepEqual(closestNames('--zz', flags), []);
  assert.deepEqual(closestNames('--', flags), []);
  assert.equal(didYouMean('--maxposition', flags), ' (did you mean --max-position?)');
  assert.equal(didYouMean('--x', flags), '');
});

/** The sections of README's "Command line": each `### …` heading with the option terms its table lists. */
function readmeCommandLine(): Map<string, string[]> {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('\n## Command line\n');
  assert.ok(start >= 0, 'README has a Command line section');
  const end = readme.indexOf('\n## ', start + 1);
  const sections = new Map<string, string[]>();
  let current: string[] | null = null;
  for (const line of readme.slice(start, end).split('\n')) {
    const heading = /^### `trading-tui ([a-z ]+?)`/.exec(line);
    if (heading) {
      current = [];
      sections.set(heading[1] as string, current);
      continue;
    }
    const row = /^\| `(-[^`]+)`/.exec(line);
    if (row && current) current.push((row[1] as string).replaceAll('\\|', '|'));
  }
  return sections;
}

test('README: the Command line section lists every command with the same options, spelt as the help spells them', () => {
  const sections = readmeCommandLine();
  for (const command of runnableCommands()) {
    if (command.path[0] === 'help') continue;
    const name = command.path.join(' ');
    const listed = sections.get(name);
    assert.ok(listed, `README has a section for trading-tui ${name}`);
    const terms = command.flags.map((f) => (f.value === undefined ? f.flag : `${f.flag} ${f.value}`));
    assert.deepEqual([...listed].sort(), terms.sort(), `README options of ${name}`);
  }
});

test('help and usage errors never load SQLite (a broken native install still answers them)', async (t) => {
  if (!('registerHooks' in nodeModule)) {
    t.skip('module.registerHooks needs Node 22.15+');
    return;
  }
  const refuse = { NODE_OPTIONS: `--import=${new URL('./support/refuse-sqlite.mjs', import.meta.url).href}` };
  for (const args of [['--help'], ['help', 'learn', 'tune'], ['maintenance', 'stats', '--help'], ['watch', '-h']]) {
    const result = await runBin(args, refuse);
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
  }
  for (const args of [['stat'], ['maintenance', 'stat'], ['--symbol', 'X']]) {
    const result = await runBin(args, refuse);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.doesNotMatch(result.stderr, /refuse-sqlite/);
  }
  // The hook does bite: a command that needs the database fails under it.
  const stats = await runBin(['maintenance', 'stats', '--db', '/nonexistent/x.db'], refuse);
  assert.notEqual(stats.code, 0);
  assert.match(stats.stderr, /refuse-sqlite/);
});
