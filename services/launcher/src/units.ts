// Human-readable numbers for the status view; undefined always prints as "-".

export const MISSING = "-";

export function count(value: number | undefined): string {
  return value === undefined ? MISSING : String(value);
}

const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

export function bytes(value: number | undefined): string {
  if (value === undefined) return MISSING;
  let scaled = value;
  let unit = 0;
  while (scaled >= 1024 && unit < BYTE_UNITS.length - 1) {
    scaled /= 1024;
    unit++;
  }
  return unit === 0 ? `${scaled} B` : `${scaled.toFixed(1)} ${BYTE_UNITS[unit]}`;
}

export function rate(bytesPerSecond: number | undefined): string {
  return bytesPerSecond === undefined ? MISSING : `${bytes(Math.round(bytesPerSecond))}/s`;
}

export function percent(part: number | undefined, whole: number | undefined): string {
  if (part === undefined || whole === undefined || whole === 0) return MISSING;
  return `${((100 * part) / whole).toFixed(1)}%`;
}

/** 75_000 ms → "1:15", 3_723_000 ms → "1:02:03". */
export function uptime(ms: number): string {
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}
