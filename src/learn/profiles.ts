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

/** A profile's detector settings; StoreError when there is no such profile or it is damaged. */
export async function loadProfile(connection: SqliteConnection, name: string): Promise<RegimeDetectorConfig> {
  const row = await connection.get<{ config: string }>('SELECT config FROM profiles WHERE name = ?', [name]);
  if (row === undefined) {
    const names = await connection.all<{ name: string }>('SELECT name FROM profiles ORDER BY name');
    const saved =
      names.length === 0 ? 'none; make one with trading-tui learn tune' : names.map((n) => n.name).join(', ');
    throw new StoreError(`no profile ${name} in ${connection.path} (saved profiles: ${saved})`);
  }
  return parseConfig(row.config, `profile ${name} in ${connection.path}`);
}

/** Settings missing from a saved profile (an older version saved fewer) take the defaults. */
function parseConfig(text: string, what: string): RegimeDetectorConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new StoreError(`${what} is damaged (its config is not JSON)`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new StoreError(`${what} is damaged (its config is not an object)`);
  const saved = parsed as Record<string, unknown>;
  const setting = (key: keyof RegimeDetectorConfig): number => {
    const value = saved[key] ?? DEFAULT_DETECTOR_CONFIG[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
      throw new StoreError(`${what} is damaged (${key} is ${JSON.stringify(value)})`);
    return value;
  };
  // Settings of the detector before the HMM (trendT, volatileRatio, …) are ignored: those profiles run on defaults.
  return {
    threshold: setting('threshold'),
    dwell: Math.round(setting('dwell')),
    margin: setting('margin'),
    window: Math.round(setting('window')),
    minHistory: Math.round(setting('minHistory')),
    refitEvery: Math.round(setting('refitEvery')),
    emIterationsPerBar: Math.round(setting('emIterationsPerBar')),
  };
}
