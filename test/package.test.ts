import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));

test('npm pack gives a tarball that installs into an empty folder and runs', { timeout: 180_000 }, async () => {
  const folder = await mkdtemp(join(tmpdir(), 'trading-tui-pack-'));
  try {
    // `npm test` has just built dist/, so the pack skips the prepare script.
    await run('npm', ['pack', '--ignore-scripts', '--pack-destination', folder], { cwd: ROOT });
    const tarball = (await readdir(folder)).find((name) => name.endsWith('.tgz'));
    assert.ok(tarball, 'a tarball was written');
    const listing = (await run('tar', ['-tzf', join(folder, tarball)])).stdout;
    assert.match(listing, /package\/dist\/src\/cli\/main\.js/);
    assert.doesNotMatch(listing, /package\/(test|src\/.*\.ts|node_modules)/, 'only what runs is packed');
    const app = join(folder, 'app');
    await run('mkdir', [app]);
    await writeFile(join(app, 'package.json'), '{"name":"pack-check","version":"1.0.0","private":true}');
    // Install scripts are skipped: the persistence layer (sqlite3) is not loaded by `--version`, and compiling it takes minutes.
    await run(
      'npm',
      ['install', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', join(folder, tarball)],
      { cwd: app },
    );
    const { stdout } = await run(join(app, 'node_modules', '.bin', 'trading-tui'), ['--version'], { cwd: app });
    assert.match(stdout, /^\d+\.\d+\.\d+\n$/);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});
