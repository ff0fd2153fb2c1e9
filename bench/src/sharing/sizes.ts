// How big the sharing suite runs: the sizes by default; SHARING_BENCH_MB shrinks the cow
// file (and with it the other rows' work) for a smoke run of a few seconds a row.
const DEFAULT_MB = 64;

function fileMb(): number {
  const raw = process.env["SHARING_BENCH_MB"];
  if (raw === undefined || raw === "") return DEFAULT_MB;
  const mb = Number(raw);
  if (!Number.isInteger(mb) || mb < 1 || mb > 1024)
    throw new Error(`SHARING_BENCH_MB must be a whole number of MiB from 1 to 1024, not ${raw}`);
  return mb;
}

const MB = fileMb();
/** Below the size: fewer repeats and operations too. */
const SMOKE = MB < DEFAULT_MB;

export const SIZES = {
  smoke: SMOKE,
  /** The file N cow guests share and each rewrite 1% of. */
  cowFileMb: MB,
  cowGuests: [1, 2, 4, 8] as const,
  /** Share of the file's pages each cow guest rewrites. */
  cowWrittenShare: 0.01,
  /** mmap ping-pong round trips per repeat. */
  pingPongTrips: SMOKE ? 100 : 1000,
  /** The file flip and copy reads come from, and reads per repeat of each size. */
  flipFileMb: SMOKE ? 1 : 8,
  flipReads: SMOKE ? 16 : 256,
  repeats: SMOKE ? 2 : 5,
  /** Identical-page sharing: guests and pages each (half identical across guests). */
  sharers: 8,
  sharerPages: SMOKE ? 128 : 2048,
} as const;
