import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArgs, type StartOptions } from '../src/cli/args.js';
import { resolveBroker } from '../src/cli/start.js';
import { UsageError } from '../src/cli/parse-values.js';
import { runBin } from './support/bin.js';

const BAD_INVOCATIONS: [string[], RegExp][] = [
  [['--period', 'banana'], /--period expects a period like 60d, 8w, 3mo or 1y/],
  [['--interval', '-3'], /--interval expects a duration like 500ms, 1s or 2m, or 0/],
  [['--symbols', ''], /--symbols expects a comma-separated list of ticker symbols/],
  [['--timeframe', '2Min'], /--timeframe expects one of 1Min, 5Min, 15Min, 30Min, 1Hour, 1Day/],
  [['--iterations', '0'], /--iterations expects a whole number of iterations from 1/],
  [['--concurrency', 'lots'], /--concurrency expects "auto" or a whole number from 1 to 256/],
  [['--timeout', '0'], /--timeout expects a duration like 500ms, 1s or 2m \(got "0"\)/],
  [['--seed'], /--seed needs a value/],
  [['--headless=yes'], /--headless takes no value/],
  [['--symbol', 'AAPL'], /unknown option --symbol \(did you mean --symbols\?\); see trading-tui --help/],
  [['--frobnicate'], /^trading-tui: unknown option --frobnicate; see/],
  [['--iter', '3'], /unknown option --iter \(did you mean --iterations\?\)/],
  [['--symbols', 'AAPL', 'MSFT'], /unexpected argument "MSFT"/],
  [['maintenance', 'stats', '--jsn'], /unknown option --jsn \(did you mean --json\?\) for "maintenance stats"/],
  [['watch', '--fsp', '3'], /unknown option --fsp \(did you mean --fps\?\) for "watch"/],
  [['learn', 'tune', '--max', '3'], /unknown option --max \(did you mean --max-sets\?\) for "learn tune"/],
  [
    ['--period', '10y', '--timeframe', '1Min'],
    /--period 10y of 1Min bars for 60 symbols is [\d,]+ bars; at most 2,000,000/,
  ],
];

for (const [args, message] of BAD_INVOCATIONS) {
  test(`bad usage ${JSON.stringify(args)}: one line on stderr naming the flag, exit code 2`, async () => {
    const result = await runBin(args);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    const lines = result.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `one line, got: ${result.stderr}`);
    assert.match(lines[0] as string, /^trading-tui: /);
    assert.match(lines[0] as string, message);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  });
}

test('--version and --help', async () => {
  const version = await runBin(['--version']);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  const help = await runBin(['--help']);
  assert.equal(help.code, 0);
  for (const flag of [
    '--symbols',
    '--period',
    '--timeframe',
    '--iterations',
    '--interval',
    '--seed',
    '--concurrency',
    '--timeout',
    '--equity-points',
    '--db',
    '--fresh',
    '--cache-ttl',
    '--profile',
    'maintenance',
    'learn',
    'watch',
    '--headless',
    '--json',
    'Examples:',
  ]) {
    assert.ok(help.stdout.includes(flag), `help mentions ${flag}`);
  }
});

test('--broker, --live and --yes-i-mean-live; the broker follows the Alpaca keys unless given', () => {
  const defaults = parseArgs([]);
  assert.ok(defaults.command === 'start' && defaults.broker === null && !defaults.live && !defaults.yesIMeanLive);
  const live = parseArgs(['--broker=alpaca', '--live', '--yes-i-mean-live']);
  assert.ok(live.command === 'start' && live.broker === 'alpaca' && live.live && live.yesIMeanLive);
  assert.throws(() => parseArgs(['--broker', 'ibkr']), /--broker expects sim or alpaca, got "ibkr"/);
  assert.throws(() => parseArgs(['--broker', 'sim', '--live']), UsageError);
  const keys = { APCA_API_KEY_ID: 'k', APCA_API_SECRET_KEY: 's' };
  const options = (args: string[]): StartOptions => {
    const parsed = parseArgs(args);
    assert.ok(parsed.command === 'start');
    return parsed;
  };
  assert.equal(resolveBroker(options([]), {}), 'sim');
  assert.equal(resolveBroker(options([]), { APCA_API_KEY_ID: 'k' }), 'sim');
  assert.equal(resolveBroker(options([]), keys), 'alpaca');
  assert.equal(resolveBroker(options(['--broker', 'sim']), keys), 'sim');
  assert.equal(resolveBroker(options(['--broker', 'alpaca']), {}), 'alpaca');
});

test('--broker alpaca without keys: one line, exit 2', async () => {
  const result = await runBin(['--broker', 'alpaca', '--headless', '--no-db']);
  assert.equal(result.code, 2);
  assert.equal(
    result.stderr,
    'trading-tui: --broker alpaca needs the APCA_API_KEY_ID and APCA_API_SECRET_KEY environment variables (see README, "Alpaca")\n',
  );
});

test('values are parsed into the units the engine uses', () => {
  const parsed = parseArgs([
    'start',
    '--period',
    '3mo',
    '--interval',
    '250ms',
    '--timeout',
    '2s',
    '--symbols',
    'aapl, msft,AAPL',
    '--concurrency',
    '7',
    '--max-position',
    '5%',
  ]);
  assert.equal(parsed.command, 'start');
  if (parsed.command !== 'start') return;
  assert.equal(parsed.periodDays, 90);
  assert.equal(parsed.intervalMs, 250);
  assert.equal(parsed.timeoutMs, 2000);
  assert.deepEqual(parsed.symbols, ['AAPL', 'MSFT']);
  assert.equal(parsed.concurrency, 7);
  assert.equal(parsed.risk.maxPositionFraction, 0.05);
  const defaults = parseArgs([]);
  assert.ok(
    defaults.command === 'start' &&
      defaults.symbols.length >= 50 &&
      defaults.timeoutMs === 15_000 &&
      defaults.equityPoints === 1440,
  );
  for (const period of ['2w', '1y', '60d']) assert.doesNotThrow(() => parseArgs(['--period', period]));
  assert.throws(() => parseArgs(['--interval=0s5']), UsageError);
});
