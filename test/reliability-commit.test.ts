import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteConnection } from '../src/store/sqlite-connection.js';
import { collect, startBin } from './support/bin.js';

test('kill -9 loses nothing that was printed: every printed iteration and fill is in the database', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tt-commit-'));
  try {
    // Killed at different moments: early (few fills) and later (many).
    for (const killAfter of [5, 60, 150]) {
      const path = join(dir, `kill-${killAfter}.db`);
      const child = startBin(['--json', '--interval', '0', '--db', path, '--period', '10d', '--seed', '5']);
      let printed = '';
      await new Promise<void>((resolve, reject) => {
        child.on('close', () => reject(new Error('the bot ended before it was killed')));
        child.stdout.on('data', (chunk: Buffer) => {
          printed += chunk.toString();
          const iterations = printed.match(/"type":"iteration"/g)?.length ?? 0;
          if (iterations >= killAfter) {
            child.kill('SIGKILL');
            resolve();
          }
        });
      });
      const rest = await collect(child);
      printed += rest.stdout;
      const lines = printed.split('\n').filter((line) => line.endsWith('}'));
      const iterations = lines
        .filter((l) => l.includes('"type":"iteration"'))
        .map((l) => JSON.parse(l) as { i: number });
      const fills = lines.filter((l) => l.includes('"type":"fill"'));
      const lastPrinted = iterations.at(-1)?.i ?? 0;

      const c = await SqliteConnection.open(path, { readonly: true });
      try {
        const stored = await c.get<{ last: number }>('SELECT max(iteration) AS last FROM equity_points');
        assert.ok((stored?.last ?? 0) >= lastPrinted, `stored up to ${stored?.last}, printed ${lastPrinted}`);
        // Every printed fill, one for one, is a stored fill (the same time, symbol, side and quantity).
        const rows = await c.all<{ key: string }>(
          "SELECT time || '|' || symbol || '|' || side || '|' || qty AS key FROM fills",
        );
        const storedFills = new Map<string, number>();
        for (const { key } of rows) storedFills.set(key, (storedFills.get(key) ?? 0) + 1);
        const missing: string[] = [];
        for (const line of fills) {
          const f = JSON.parse(line) as { time: string; symbol: string; side: string; qty: number };
          const key = `${Date.parse(f.time)}|${f.symbol}|${f.side}|${f.qty}`;
          const left = storedFills.get(key) ?? 0;
          if (left > 0) storedFills.set(key, left - 1);
          else missing.push(key);
        }
        assert.deepEqual(
          missing,
          [],
          `killed after ${killAfter}: ${fills.length} fills printed, ${rows.length} stored`,
        );
      } finally {
        await c.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
