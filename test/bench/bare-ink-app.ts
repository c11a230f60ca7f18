/**
 * The floor for the terminal figures: a bare Ink 8 app drawing a full pane (one column of rows, as
 * the monitor's frame is one row shorter than the terminal), one row changing each second, with the
 * monitor's render options. Plain TypeScript without JSX, so Node runs it as it runs the built
 * program: `node test/bench/bare-ink-app.ts`.
 */
import React, { useEffect, useState } from 'react';
import { Box, Text, render } from 'ink';

const h = React.createElement;

function BareApp(): React.ReactNode {
  const [tick, setTick] = useState(0);
  const [size, setSize] = useState({ columns: process.stdout.columns || 80, rows: process.stdout.rows || 24 });
  useEffect(() => {
    const timer = setInterval(() => setTick((t) => t + 1), 1000);
    const onResize = (): void => setSize({ columns: process.stdout.columns, rows: process.stdout.rows });
    process.stdout.on('resize', onResize);
    return () => {
      clearInterval(timer);
      process.stdout.off('resize', onResize);
    };
  }, []);
  const rows = Math.max(1, size.rows - 1);
  return h(
    Box,
    { flexDirection: 'column', width: size.columns, height: rows },
    Array.from({ length: rows }, (_, i) =>
      h(Text, { key: i, wrap: 'truncate' }, i === 0 ? `tick ${tick}` : `row ${i} `.padEnd(size.columns - 1, '·')),
    ),
  );
}

process.stdout.write('\x1b[?1049h\x1b[?25l');
const instance = render(h(BareApp), {
  patchConsole: false,
  exitOnCtrlC: true,
  incrementalRendering: true,
  maxFps: 30,
});
const quit = (): void => instance.unmount();
process.on('SIGTERM', quit);
process.on('SIGHUP', quit);
await instance.waitUntilExit();
process.stdout.write('\x1b[?25h\x1b[?1049l');
