import type {
  EngineEvent,
  EngineSnapshot,
  EquityView,
  MemoryView,
  PositionView,
  RegimeView,
} from '../src/engine/snapshot.js';
import type { DownloadStatusView, SymbolDownloadStatus } from '../src/engine/download-status.js';

/** A round's progress is shown at most this often; its start and its end always at once. */
export const DOWNLOAD_PROGRESS_MS = 1000;
const MEGABYTE = 1024 * 1024;

function sameSeries(a: Float64Array | Uint8Array | undefined, b: Float64Array | Uint8Array | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = a.length - 1; i >= 0; i--) if (a[i] !== b[i]) return false;
  return true;
}

function sameEquity(a: EquityView, b: EquityView): boolean {
  return (
    a.current === b.current &&
    a.start === b.start &&
    a.maxDrawdown === b.maxDrawdown &&
    a.capacity === b.capacity &&
    sameSeries(a.values, b.values) &&
    sameSeries(a.times, b.times) &&
    sameSeries(a.fillSides, b.fillSides)
  );
}

function samePositions(a: readonly PositionView[], b: readonly PositionView[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((p, i) => {
    const q = b[i];
    return (
      q !== undefined &&
      p.symbol === q.symbol &&
      p.qty === q.qty &&
      p.avgPrice === q.avgPrice &&
      p.lastPrice === q.lastPrice &&
      p.marketValue === q.marketValue &&
      p.unrealizedPnl === q.unrealizedPnl &&
      p.weight === q.weight
    );
  });
}

function sameRegime(a: RegimeView, b: RegimeView): boolean {
  const lastA = a.history.at(-1);
  const lastB = b.history.at(-1);
  return (
    a.current === b.current &&
    a.confidence === b.confidence &&
    a.since === b.since &&
    a.bars === b.bars &&
    a.history.length === b.history.length &&
    lastA?.time === lastB?.time &&
    lastA?.to === lastB?.to &&
    (a.params === b.params || JSON.stringify(a.params) === JSON.stringify(b.params))
  );
}

/** Events are numbered: the same length, first and last number are the same list. */
function sameEvents(a: readonly EngineEvent[], b: readonly EngineEvent[]): boolean {
  return a.length === b.length && a[0]?.seq === b[0]?.seq && a.at(-1)?.seq === b.at(-1)?.seq;
}

/** The status bar shows whole megabytes. */
function sameMemory(a: MemoryView, b: MemoryView): boolean {
  return (
    Math.round(a.rss / MEGABYTE) === Math.round(b.rss / MEGABYTE) &&
    Math.round(a.heapUsed / MEGABYTE) === Math.round(b.heapUsed / MEGABYTE)
  );
}

function sameRow(a: SymbolDownloadStatus, b: SymbolDownloadStatus | undefined): boolean {
  return (
    b !== undefined &&
    a.symbol === b.symbol &&
    a.state === b.state &&
    a.attempt === b.attempt &&
    a.ms === b.ms &&
    a.error === b.error
  );
}

function sameDownloads(a: DownloadStatusView, b: DownloadStatusView): boolean {
  if (a === b) return true;
  const ra = a.round;
  const rb = b.round;
  if (ra === null || rb === null) return ra === rb && a.rows.length === 0 && b.rows.length === 0;
  return (
    ra.kind === rb.kind &&
    ra.round === rb.round &&
    ra.total === rb.total &&
    ra.finished === rb.finished &&
    ra.bars === rb.bars &&
    ra.elapsedMs === rb.elapsedMs &&
    ra.barsPerSecond === rb.barsPerSecond &&
    ra.concurrency === rb.concurrency &&
    Object.entries(ra.counts).every(([state, count]) => rb.counts[state as keyof typeof rb.counts] === count) &&
    a.rows.length === b.rows.length &&
    a.rows.every((row, i) => sameRow(row, b.rows[i]))
  );
}

/**
 * Keeps the previous snapshot's parts where nothing shown has changed, and the previous snapshot
 * itself when nothing at all has: React then skips the render (and Ink the frame), and each panel,
 * memoized on its own part, draws again only when its part changes. Download progress is coalesced:
 * a running round's counts are taken at most once a second, its start and end at once.
 */
export class VisibleSnapshot {
  private shown: EngineSnapshot | undefined;
  private downloadsAt = Number.NEGATIVE_INFINITY;
  private due: number | null = null;
  private roundSeen: { readonly round: number; readonly at: number } | null = null;

  next(snapshot: EngineSnapshot, now: number): EngineSnapshot {
    const prev = this.shown;
    if (prev === undefined) {
      this.shown = snapshot;
      this.downloadsAt = now;
      return snapshot;
    }
    const downloads = this.downloads(prev.downloads, snapshot.downloads, now);
    const candidate: EngineSnapshot = {
      ...snapshot,
      equity: sameEquity(prev.equity, snapshot.equity) ? prev.equity : snapshot.equity,
      positions: samePositions(prev.positions, snapshot.positions) ? prev.positions : snapshot.positions,
      regime: sameRegime(prev.regime, snapshot.regime) ? prev.regime : snapshot.regime,
      downloads,
      events: sameEvents(prev.events, snapshot.events) ? prev.events : snapshot.events,
      memory: sameMemory(prev.memory, snapshot.memory) ? prev.memory : snapshot.memory,
      market:
        prev.market !== undefined &&
        snapshot.market !== undefined &&
        prev.market.open === snapshot.market.open &&
        prev.market.nextOpen === snapshot.market.nextOpen
          ? prev.market
          : snapshot.market,
    };
    if (snapshot.market === undefined) delete (candidate as { market?: unknown }).market;
    const unchanged = (Object.keys(candidate) as (keyof EngineSnapshot)[]).every((key) => candidate[key] === prev[key]);
    if (unchanged && Object.keys(prev).length === Object.keys(candidate).length) return prev;
    this.shown = candidate;
    return candidate;
  }

  private downloads(prev: DownloadStatusView, next: DownloadStatusView, now: number): DownloadStatusView {
    this.due = null;
    if (sameDownloads(prev, next)) return prev;
    // The end of a round is shown at once. A round under way is shown at most once a second, and a
    // round that starts after the shown one is first shown a second after it started, so at
    // --interval 1s (rounds of a fraction of a second) each round costs one frame: its end.
    const atOnce = next.round === null || prev.round === null || next.round.finished;
    let due = this.downloadsAt + DOWNLOAD_PROGRESS_MS;
    if (!atOnce && next.round !== null && next.round.round !== prev.round?.round) {
      if (this.roundSeen?.round !== next.round.round) this.roundSeen = { round: next.round.round, at: now };
      due = this.roundSeen.at + DOWNLOAD_PROGRESS_MS;
    }
    if (atOnce || now >= due) {
      this.downloadsAt = now;
      this.roundSeen = null;
      return next;
    }
    this.due = due;
    return prev;
  }

  /** When held-back download progress is due to be shown (read a snapshot again then), or null. */
  dueAt(): number | null {
    return this.due;
  }
}
