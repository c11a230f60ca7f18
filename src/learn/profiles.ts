/** Tuned regime detector settings, saved by name in the `profiles` table. */
import { DEFAULT_DETECTOR_CONFIG, type RegimeDetectorConfig } from '../core/regime.js';
import { StoreError } from '../store/open-store.js';
import type { SqliteConnection } from '../store/sqlite-connection.js';

export const DEFAULT_PROFILE_NAME = 'tuned';

export interface ProfileToSave {
  readonly name: string;
  readonly createdAt: number;
  /** What the score measures, in words. */
  readonly objective: string;
  readonly score: number;
  readonly config: RegimeDetectorConfig;
}

/** Saves (or replaces) a profile. */
export async function saveProfile(connection: SqliteConnection, profile: ProfileToSave): Promise<void> {
  await connection.run(
    `INSERT INTO profiles (name, created_at, objective, score, config) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(name) DO UPDATE SET created_at = excluded.created_at, objective = excluded.objective, score = excluded.score, config = excluded.config`,
    [
      profile.name,
      profile.createdAt,
      profile.objective,
      Number.isFinite(profile.score) ? profile.score : 0,
      JSON.stringify(profile.config),
    ],
  );
}

export interface LoadedProfile {
  readonly config: RegimeDetectorConfig;
  /** One line for the user when the profile cannot be taken as saved (what runs instead), else null. */
  readonly notice: string | null;
}

/** A profile's detector settings; StoreError when there is no such profile or it is damaged. */
export async function loadProfile(connection: SqliteConnection, name: string): Promise<LoadedProfile> {
  const row = await connection.get<{ config: string }>('SELECT config FROM profiles WHERE name = ?', [name]);
  if (row === undefined) {
    const names = await connection.all<{ name: string }>('SELECT name FROM profiles ORDER BY name');
    const saved =
      names.length === 0 ? 'none; make one with trading-tui learn tune' : names.map((n) => n.name).join(', ');
    throw new StoreError(`no profile ${name} in ${connection.path} (saved profiles: ${saved})`);
  }
  return parseConfig(row.config, name, `profile ${name} in ${connection.path}`);
}

/**
 * Settings missing from a saved profile (an older version saved fewer) take the defaults. A profile
 * of the detector before the HMM (it saved trendT, volatileRatio, … and a `window` of a few dozen
 * bars that meant its t-statistic's window) has none of the HMM's settings: it runs on the defaults,
 * and the notice says so (its window would leave the HMM learning for ever).
 */
function parseConfig(text: string, name: string, what: string): LoadedProfile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new StoreError(`${what} is damaged (its config is not JSON)`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new StoreError(`${what} is damaged (its config is not an object)`);
  const saved = parsed as Record<string, unknown>;
  if (!('threshold' in saved) && PRE_HMM_SETTINGS.some((key) => key in saved))
    return {
      config: DEFAULT_DETECTOR_CONFIG,
      notice: `profile ${name} was saved by the regime detector before the HMM; this run uses the HMM's default settings (trading-tui learn tune saves a new profile)`,
    };
  const setting = (key: keyof RegimeDetectorConfig): number => {
    const value = saved[key] ?? DEFAULT_DETECTOR_CONFIG[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
      throw new StoreError(`${what} is damaged (${key} is ${JSON.stringify(value)})`);
    return value;
  };
  return {
    config: {
      threshold: setting('threshold'),
      dwell: Math.round(setting('dwell')),
      margin: setting('margin'),
      window: Math.round(setting('window')),
      minHistory: Math.round(setting('minHistory')),
      refitEvery: Math.round(setting('refitEvery')),
      emIterationsPerBar: Math.round(setting('emIterationsPerBar')),
    },
    notice: null,
  };
}

/** What the detector before the HMM saved besides `window` (which the HMM's settings reuse as a name). */
const PRE_HMM_SETTINGS = ['baselinePeriod', 'volatileRatio', 'trendT', 'smoothing', 'minDwell', 'switchMargin'];
