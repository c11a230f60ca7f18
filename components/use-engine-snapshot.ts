import { useEffect, useState } from 'react';
import type { EngineControls } from '../src/engine/controls.js';
import type { EngineSnapshot } from '../src/engine/snapshot.js';
import { DEFAULT_FPS } from '../src/core/limits.js';
import { VisibleSnapshot } from './visible-snapshot.js';

export { DEFAULT_FPS };

/**
 * The engine's latest snapshot, re-read at most `fps` times a second: changes are coalesced behind
 * one timer, so a burst of engine updates costs one render. Parts nothing shown depends on are kept
 * from the previous snapshot (see VisibleSnapshot): a snapshot that changes nothing visible is no
 * render at all.
 */
export function useEngineSnapshot(controls: EngineControls, fps: number = DEFAULT_FPS): EngineSnapshot {
  const [visible] = useState(() => new VisibleSnapshot());
  const [snapshot, setSnapshot] = useState(() => visible.next(controls.getSnapshot(), Date.now()));

  useEffect(() => {
    const intervalMs = 1000 / (Number.isFinite(fps) && fps > 0 ? fps : DEFAULT_FPS);
    let timer: NodeJS.Timeout | undefined;
    let lastRead = 0;

    const schedule = (at: number): void => {
      if (timer !== undefined) return;
      timer = setTimeout(read, Math.max(0, at - Date.now()));
    };
    function read(): void {
      timer = undefined;
      lastRead = Date.now();
      setSnapshot(visible.next(controls.getSnapshot(), lastRead));
      // Download progress held back is shown when due, even if the engine says nothing more by then.
      const due = visible.dueAt();
      if (due !== null) schedule(due);
    }
    const onChange = (): void => schedule(lastRead + intervalMs);

    const unsubscribe = controls.subscribe(onChange);
    // The snapshot may have changed between the first render and subscribing.
    read();
    return () => {
      unsubscribe();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [controls, fps, visible]);

  return snapshot;
}
