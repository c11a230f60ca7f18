/**
 * The regime detector's side of the run's record (issue 9): each model it puts in force is told once
 * and saved once with the run, the features of the bars it holds are saved as they come (a resume
 * continues exactly from them), and a resume puts back the saved model and, when it can, the detector
 * exactly as it was.
 */
import type { RegimeController } from '../core/regime.js';
import type { SavedRegimeModel } from '../core/hmm/saved-model.js';
import type { RegimeFeatureRows, ResumeState } from './trading-record.js';

export class DetectorRecord {
  /** Fits told so far (as notices) and saved so far (with the run). */
  private fitsAnnounced = 0;
  private fitsRecorded = 0;
  /** The detector's newest bar whose features are in the record. */
  private barsRecorded = 0;
  private restored = false;

  constructor(private readonly regime: RegimeController) {}

  /** A resume put the detector back exactly: it needs no fit on the backfill. */
  get detectorRestored(): boolean {
    return this.restored;
  }

  /** A resume's saved model, put in force before the Trader restores the regime; false when there is none usable. */
  restoreModel(resume: ResumeState): boolean {
    if (resume.regimeModel === undefined || !this.regime.restoreModel(resume.regimeModel)) return false;
    this.fitsRecorded = this.regime.fitCount;
    this.fitsAnnounced = this.regime.fitCount;
    return true;
  }

  /**
   * After the Trader's restore: the detector's own state, when saved (newer checkpoints), so that the run
   * continues exactly as if never stopped. Not when the backfill brought bars after the checkpoint's (a
   * real market went on while stopped, `marketTime` is then newer): the detector then keeps what it took
   * from the backfill, with the saved model.
   */
  restoreDetector(resume: ResumeState, marketTime: number): void {
    const saved = resume.checkpoint;
    const detector = saved.regime.detector;
    if (
      detector === undefined ||
      marketTime !== saved.marketTime ||
      resume.regimeFeatures === undefined ||
      !this.regime.restoreDetector(detector, resume.regimeModel, resume.regimeFeatures)
    )
      return;
    this.restored = true;
    this.barsRecorded = detector.bars;
    this.fitsRecorded = this.regime.fitCount;
    this.fitsAnnounced = this.regime.fitCount;
  }

  /** What to tell of a (re)fitted model put in force since the last call, or null. */
  fitNotice(): string | null {
    const regime = this.regime;
    if (regime.fitCount === this.fitsAnnounced) return null;
    const fitted = this.fitsAnnounced === 0 ? 'fitted' : 'refitted';
    this.fitsAnnounced = regime.fitCount;
    return `regime model ${fitted} on ${regime.fittedBars.toLocaleString('en-US')} bars`;
  }

  /** The model put in force since the last call, to save with the run, or null. */
  newModel(): SavedRegimeModel | null {
    if (this.regime.fitCount === this.fitsRecorded) return null;
    this.fitsRecorded = this.regime.fitCount;
    return this.regime.savedModel();
  }

  /** The detector's bars since the last call, for the record (a resume reads back what it holds), or null. */
  newFeatures(): RegimeFeatureRows | null {
    const detector = this.regime.detector;
    if (detector.bars === this.barsRecorded) return null;
    const held = detector.heldSince(this.barsRecorded);
    this.barsRecorded = detector.bars;
    return { ...held, dropUpTo: detector.bars - detector.heldCapacity };
  }
}
