import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createSession } from '../src/cli/start.js';
import type { LoopEvent } from '../src/engine/loop-events.js';
import type { Checkpoint } from '../src/engine/checkpoint.js';
import { expectedDurations } from '../src/core/hmm/model.js';
import { modelFeatures, readLoadings, readModel, type SavedRegimeModel } from '../src/core/hmm/saved-model.js';
import { FACTOR_FEATURE_NAMES, FEATURE_NAMES, TWO_FACTOR_FEATURE_NAMES } from '../src/core/hmm/features.js';
import { REGIME_NAMES } from '../src/core/regime-types.js';
import { openStore } from '../src/store/open-store.js';
import { DatabaseSnapshotSource } from '../src/store/database-snapshot-source.js';
import { startOptions } from './support/session.js';
import { captureStdout } from './support/capture-output.js';
import { runCommand as learn } from '../src/cli/commands/learn.js';

const folder = mkdtempSync(join(tmpdir(), 'trading-tui-regime-'));
after(() => rmSync(folder, { recursive: true, force: true }));

async function runStored(path: string, args: string[]) {
  const session = await createSession(
    startOptions(['--db', path, '--interval', '0', '--symbols', 'AAPL,MSFT,SPY,QQQ,IWM,NVDA,AMZN,META', ...args]),
    { backoffBaseMs: 1 },
  );
  const events: LoopEvent[] = [];
  session.engine.onLoopEvent((e) => events.push(e));
  await session.run();
  return { events, snapshot: session.engine.getSnapshot() };
}

test('the regime model is saved with the run, put back on resume, and the panel’s posteriors and score reach watch', async () => {
  const path = join(folder, 'regime.db');
  // 60 days of 15-minute bars: enough backfill for a fit before the first iteration.
  const first = await runStored(path, ['--iterations', '50', '--seed', '4', '--period', '60d']);
  const iterations = first.events.filter((e): e is Extract<LoopEvent, { type: 'iteration' }> => e.type === 'iteration');
  assert.ok(
    iterations.every((e) => REGIME_NAMES.includes(e.trueRegime as never)),
    'each iteration carries trueRegime',
  );
  assert.equal(first.snapshot.regime.learning, false, 'fitted on the backfill');
  const truth = first.snapshot.regime.truth;
  assert.ok(truth !== undefined && truth.bars === 50, 'scored on every iteration');
  assert.equal(
    truth.right,
    iterations.filter((e) => e.regime === e.trueRegime).length,
    'the running score counts the iterations whose regime was the true one',
  );

  const c = await openStore(path);
  const rows = await c.all<{ model: string }>('SELECT model FROM regime_models ORDER BY id');
  assert.ok(rows.length >= 1, 'the backfill’s fit, and each refit since');
  const saved = readModel(JSON.parse(rows.at(-1)?.model ?? 'null'));
  assert.ok(saved !== null, 'the saved model reads back');
  const checkpoint = JSON.parse(
    (await c.get<{ state: string }>('SELECT state FROM checkpoints'))?.state ?? '{}',
  ) as Checkpoint;
  assert.equal(checkpoint.regime.posterior?.length, 4);
  await c.close();

  // One iteration: too soon for a refit to have landed, so the model in force is the one put back.
  const resumed = await runStored(path, ['--iterations', '1', '--seed', '4', '--period', '60d']);
  const regime = resumed.snapshot.regime;
  const index = REGIME_NAMES.indexOf(regime.current);
  assert.equal(
    regime.expectedRemainingBars,
    expectedDurations(saved)[index],
    'the resumed detector runs the saved model (not a new fit)',
  );

  const watch = new DatabaseSnapshotSource(await openStore(path, { readonly: true }), path);
  await watch.poll();
  const seen = watch.getSnapshot().regime;
  assert.equal(seen.posterior?.length, 4);
  assert.ok(Math.abs((seen.posterior ?? []).reduce((a, b) => a + b, 0) - 1) < 0.01);
  assert.equal(seen.learning, false);
  assert.ok(seen.truth !== undefined && seen.truth.bars === 51, 'the score goes on across the restart');
  await watch.close();
});

test('learn report prints the newest regime model with each regime’s expected duration', async () => {
  const path = join(folder, 'report.db');
  const empty = await captureStdout(() => learn(['report', '--db', path]).catch(() => 1));
  assert.notEqual(empty.code, 0, 'no runs yet');
  await runStored(path, ['--iterations', '20', '--seed', '7', '--period', '60d']);
  const c = await openStore(path);
  const row = await c.get<{ model: string }>('SELECT model FROM regime_models ORDER BY id DESC LIMIT 1');
  await c.close();
  const saved = readModel(JSON.parse(row?.model ?? 'null'));
  assert.ok(saved !== null);
  const { code, stdout } = await captureStdout(() => learn(['report', '--db', path]));
  assert.equal(code, 0);
  assert.match(stdout, /^regime model in force at \d{4}-\d\d-\d\dT.*\(run 1\)/m);
  const durations = expectedDurations(saved);
  REGIME_NAMES.forEach((name, k) => {
    const line = stdout.split('\n').find((l) => l.startsWith(`${name} `) && l.includes(' bars'));
    assert.ok(line, `a model row for ${name}:\n${stdout}`);
    assert.ok(line.includes(`${Math.round(durations[k] as number).toLocaleString('en-US')} bars`), line);
    assert.ok(line.includes((saved.transition[k * 5] as number).toFixed(4)), line);
    // The volume feature: how large the moves are for their volume (exp of the state's mean).
    assert.ok(line.includes(`${Math.exp(saved.means[k * 3 + 2] as number).toFixed(2)}×`), line);
  });
  const json = await captureStdout(() => learn(['report', '--json', '--db', path]));
  const parsed = JSON.parse(json.stdout) as { model: { regimes: { regime: string; expectedBars: number }[] } };
  assert.deepEqual(
    parsed.model.regimes.map((r) => r.expectedBars),
    Array.from(durations),
  );
});

const notices = (events: LoopEvent[]): string[] => events.flatMap((e) => (e.type === 'notice' ? [e.message] : []));

test('factor features: the loadings are saved with each model (not with every checkpoint once there is one); a run saved before them (a model of the plain features) resumes on the plain features with its model', async () => {
  const path = join(folder, 'factor.db');
  await runStored(path, ['--iterations', '30', '--seed', '5', '--period', '60d']);
  const c = await openStore(path);
  const state = (await c.get<{ state: string }>('SELECT state FROM checkpoints'))?.state ?? '{}';
  const checkpoint = JSON.parse(state) as Checkpoint;
  assert.equal(checkpoint.regime.loadings, undefined, 'the detector has a model: the loadings are with it');
  const models = await c.all<{ id: number; model: string }>('SELECT id, model FROM regime_models');
  assert.ok(models.length >= 1);
  for (const m of models) {
    const saved = JSON.parse(m.model) as SavedRegimeModel;
    assert.equal(modelFeatures(saved), FACTOR_FEATURE_NAMES);
    const loadings = readLoadings(saved.loadings, 8);
    assert.ok(loadings !== null, 'a beta and a noise per symbol');
    assert.ok(Array.from(loadings.deviation).every((d) => d > 0));
    assert.ok(loadings.volume !== undefined, 'and each symbol’s volume loadings (the volume feature)');
    assert.ok(Array.from(loadings.volume.scale).every((rho) => rho > 0));
  }

  // As an older version left it: its models named by the plain features, without loadings.
  for (const m of models) {
    const { loadings: _dropped, ...model } = JSON.parse(m.model) as SavedRegimeModel;
    await c.run('UPDATE regime_models SET model = ? WHERE id = ?', [
      JSON.stringify({ ...model, features: [...FEATURE_NAMES] }),
      m.id,
    ]);
  }
  await c.close();
  const old = await runStored(path, ['--iterations', '1', '--seed', '5', '--period', '60d']);
  assert.ok(notices(old.events).includes('regime model restored from the saved run'), notices(old.events).join('; '));
  // An older model reads back (learn report, watch), but not as one of the factor features.
  const plain = { ...JSON.parse(models[0]?.model ?? 'null'), features: [...FEATURE_NAMES] };
  assert.ok(readModel(plain) !== null && readModel(plain, FEATURE_NAMES) !== null);
  assert.equal(readModel(plain, FACTOR_FEATURE_NAMES), null);
});

test('while the detector learns (no model yet) the loadings are in the checkpoint, and a resume goes on with them, not with its own backfill’s', async () => {
  const path = join(folder, 'learning.db');
  // 5 days of 15-minute bars: enough returns for loadings (100), too few for a fit (300).
  const first = await runStored(path, ['--iterations', '10', '--seed', '8', '--period', '5d']);
  assert.equal(first.snapshot.regime.learning, true);
  const read = async (): Promise<Checkpoint> => {
    const c = await openStore(path);
    const state = (await c.get<{ state: string }>('SELECT state FROM checkpoints'))?.state ?? '{}';
    await c.close();
    return JSON.parse(state) as Checkpoint;
  };
  const saved = (await read()).regime.loadings;
  assert.ok(saved !== undefined && readLoadings(saved, 8) !== null);
  const resumed = await runStored(path, ['--iterations', '5', '--seed', '8', '--period', '5d']);
  assert.equal(resumed.snapshot.regime.learning, true);
  assert.deepEqual((await read()).regime.loadings, saved);
});

test('a saved model of other features than the run computes is not put in force: the detector fits on the backfill', async () => {
  const path = join(folder, 'mismatch.db');
  await runStored(path, ['--iterations', '20', '--seed', '6', '--period', '60d']);
  const c = await openStore(path);
  const models = await c.all<{ id: number; model: string }>('SELECT id, model FROM regime_models');
  for (const m of models)
    await c.run('UPDATE regime_models SET model = ? WHERE id = ?', [
      JSON.stringify({ ...JSON.parse(m.model), features: [...FEATURE_NAMES] }),
      m.id,
    ]);
  await c.close();
  const resumed = await runStored(path, ['--iterations', '1', '--seed', '6', '--period', '60d']);
  const said = notices(resumed.events);
  assert.ok(!said.includes('regime model restored from the saved run'), said.join('; '));
  assert.ok(
    said.some((m) => m.startsWith('regime model fitted on')),
    said.join('; '),
  );
  assert.equal(resumed.snapshot.regime.learning, false);
});

test('a run saved before the volume feature (two-feature models, loadings without volume ones) resumes with its model in force, the feature left out', async () => {
  const path = join(folder, 'two-features.db');
  await runStored(path, ['--iterations', '20', '--seed', '9', '--period', '60d']);
  const c = await openStore(path);
  const models = await c.all<{ id: number; model: string }>('SELECT id, model FROM regime_models');
  assert.ok(models.length >= 1);
  for (const m of models) {
    const saved = JSON.parse(m.model) as SavedRegimeModel;
    const loadings = saved.loadings as NonNullable<SavedRegimeModel['loadings']>;
    const twoColumns = (a: readonly number[]): number[] => a.filter((_, i) => i % 3 !== 2);
    const older = {
      ...saved,
      features: [...TWO_FACTOR_FEATURE_NAMES],
      means: twoColumns(saved.means),
      variances: twoColumns(saved.variances),
      loadings: { beta: loadings.beta, deviation: loadings.deviation },
    };
    await c.run('UPDATE regime_models SET model = ? WHERE id = ?', [JSON.stringify(older), m.id]);
  }
  await c.close();
  const resumed = await runStored(path, ['--iterations', '5', '--seed', '9', '--period', '60d']);
  const said = notices(resumed.events);
  assert.ok(said.includes('regime model restored from the saved run'), said.join('; '));
  assert.equal(resumed.snapshot.regime.learning, false);
});
