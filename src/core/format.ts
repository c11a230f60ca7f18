import { SESSION_MINUTES } from './units.js';

const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const wholeMoney = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatMoney(value: number): string {
  return money.format(value);
}

/** Without cents: for axis labels and large amounts where cents are noise. */
export function formatWholeMoney(value: number): string {
  return wholeMoney.format(value);
}

export function formatSignedMoney(value: number): string {
  return (value > 0 ? '+' : '') + money.format(value);
}

/** `fraction` 0.0123 → "+1.23%". */
export function formatSignedPercent(fraction: number, digits = 2): string {
  const pct = fraction * 100;
  return (pct > 0 ? '+' : '') + pct.toFixed(digits) + '%';
}

export function formatPercent(fraction: number, digits = 0): string {
  return (fraction * 100).toFixed(digits) + '%';
}

/** A compact duration: 850ms, 42s, 12m05s, 3h25m, 2d04h. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h${String(minutes % 60).padStart(2, '0')}m`;
  return `${Math.floor(hours / 24)}d${String(hours % 24).padStart(2, '0')}h`;
}

/**
 * A span of market time (nights, weekends and holidays not counted): 45m, 4h, 4h15m, then trading days
 * of one 6.5-hour session each, 2.5d under ten days, 16d beyond.
 */
export function formatMarketMinutes(minutes: number): string {
  if (!Number.isFinite(minutes) || minutes < 0) return '-';
  const whole = Math.round(minutes);
  if (whole < 60) return `${whole}m`;
  if (whole < SESSION_MINUTES) {
    const hours = Math.floor(whole / 60);
    const rest = whole % 60;
    return rest === 0 ? `${hours}h` : `${hours}h${String(rest).padStart(2, '0')}m`;
  }
  const days = whole / SESSION_MINUTES;
  return days < 10 ? `${Number(days.toFixed(1))}d` : `${Math.round(days)}d`;
}

/** Market clock in UTC: "2025-03-04 15:45". */
export function formatClock(epochMs: number): string {
  if (!Number.isFinite(epochMs)) return '----------- --:--';
  return new Date(epochMs).toISOString().slice(0, 16).replace('T', ' ');
}

/** Time of day in UTC: "15:45:12". */
export function formatTimeOfDay(epochMs: number): string {
  if (!Number.isFinite(epochMs)) return '--:--:--';
  return new Date(epochMs).toISOString().slice(11, 19);
}

export function formatMegabytes(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))}MB`;
}

/** 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Epoch ms → "2025-03-04 15:45:12Z", or "-" for none. */
export function formatTimestamp(time: number | null): string {
  if (time === null || !Number.isFinite(time)) return '-';
  return new Date(time).toISOString().slice(0, 19).replace('T', ' ') + 'Z';
}

const EASTERN = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  weekday: 'short',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** `Tue 09:30 ET`: when the US market opens, in its own time zone. */
export function formatEasternTime(time: number): string {
  return Number.isFinite(time) ? `${EASTERN.format(time).replace(',', '')} ET` : '?';
}
