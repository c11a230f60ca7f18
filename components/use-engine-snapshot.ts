import { useEffect, useState } from 'react';
import type { EngineControls } from '../src/engine/controls.js';
import type { EngineSnapshot } from '../src/engine/snapshot.js';
import { DEFAULT_FPS } from '../src/core/limits.js';

export { DEFAULT_FPS };

/**
 * The engine's latest snapshot, re-read at most `fps` times a second: changes are coalesced behind
 * one timer, so a burst of engine updates costs one render.
 */
export function useEngineSnapshot(controls: EngineControls, fps: number = DEFAULT_FPS): EngineSnapshot {
  const [snapshot, setSnapshot] = useState(() => controls.getSnapshot());

  useEffect(() => {
    const intervalMs = 1000 / (Number.isFinite(fps) && fps > 0 ? fps : DEFAULT_FPS);
    let timer: NodeJS.Timeout | undefined;
    let lastRead = 0;

    const read = (): void => {
      timer = undefined;
      lastRead = Date.now();
      setSnapshot(controls.getSnapshot());
    };
    const onChange = (): void => {
      if (timer !== undefined) return;
      timer = setTimeout(read, Math.max(0, lastRead + intervalMs - Date.now()));
    };

    const unsubscribe = controls.subscribe(onChange);
    // The snapshot may have changed between the first render and subscribing.
    setSnapshot(controls.getSnapshot());
    return () => {
      unsubscribe();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [controls, fps]);

  return snapshot;
}
