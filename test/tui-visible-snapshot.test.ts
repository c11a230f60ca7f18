import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DOWNLOAD_PROGRESS_MS, VisibleSnapshot } from '../components/visible-snapshot.js';
import type { EngineSnapshot } from '../src/engine/snapshot.js';
import { emptyCounts, type DownloadStatusView } from '../src/engine/download-status.js';
import { makeSnapshot } from './support/tui-fixtures.js';

function round(number: number, done: number, finished = false): DownloadStatusView {
  return {
    round: {
      kind: 'refresh',
      round: number,
      total: 60,
      counts: { ...emptyCounts(), done, running: 60 - done },
      bars: done,
      elapsedMs: done * 3,
      barsPerSecond: 300,
      concurrency: 10,
      finished,
    },
    rows: [],
  };
}

const withDownloads = (downloads: DownloadStatusView): EngineSnapshot => makeSnapshot({ downloads });

test('a snapshot with nothing new to show is the previous snapshot itself; parts keep their identity', () => {
  const visible = new VisibleSnapshot();
  const first = visible.next(makeSnapshot(), 0);
  assert.equal(visible.next(makeSnapshot(), 10), first, 'same values in new objects');
  const moved = visible.next(makeSnapshot({ iteration: 124 }), 20);
  assert.notEqual(moved, first);
  assert.equal(moved.equity, first.equity, 'the chart keeps its data: its panel does not draw again');
  assert.equal(moved.positions, first.positions);
  assert.equal(moved.events, first.events);
  assert.equal(moved.regime, first.regime);
});

test('download progress is coalesced to once a second; the end of a round shows at once', () => {
  const visible = new VisibleSnapshot();
  let shown = visible.next(withDownloads(round(1, 60, true)), 0);
  const changes: number[] = [];
  // Round 2 starts at t=1000 and progresses every 50 ms to its end at t=1400.
  for (let t = 1000, done = 0; t <= 1400; t += 50, done += 6) {
    const next = visible.next(withDownloads(round(2, Math.min(done, 60), t === 1400)), t);
    if (next.downloads !== shown.downloads) changes.push(t);
    shown = next;
  }
  assert.deepEqual(changes, [1400], 'a short round costs one change: its end');
  assert.equal(shown.downloads.round?.finished, true);

  // A long round: shown a second after it starts, then at most once a second.
  changes.length = 0;
  for (let t = 2000, done = 0; t <= 5000; t += 100, done = Math.min(59, done + 1)) {
    const next = visible.next(withDownloads(round(3, done)), t);
    if (next.downloads !== shown.downloads) changes.push(t);
    shown = next;
  }
  assert.deepEqual(changes, [3000, 4000, 5000]);
  assert.equal(visible.dueAt(), null, 'nothing held back right after a change was shown');
  visible.next(withDownloads(round(3, shown.downloads.round?.counts.done ?? 0)), 5000 + DOWNLOAD_PROGRESS_MS / 2);
  assert.equal(visible.dueAt(), null, 'the same counts are nothing to hold');
});

test('held-back progress says when it is due, so the UI can show it without another engine change', () => {
  const visible = new VisibleSnapshot();
  visible.next(withDownloads(round(1, 10)), 0);
  visible.next(withDownloads(round(1, 20)), 300);
  assert.equal(visible.dueAt(), DOWNLOAD_PROGRESS_MS);
  const due = visible.next(withDownloads(round(1, 20)), DOWNLOAD_PROGRESS_MS);
  assert.equal(due.downloads.round?.counts.done, 20);
});
