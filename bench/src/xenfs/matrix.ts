// Every cell of the XenFS matrix, gathered setup by setup: one reader running each workload
// against a fresh setup, then N readers of one file (a fresh XenFS host for each N, so the frames
// and memory counted are that read's). A setup that cannot run here is skipped whole, with why.
import { type Measurement, measure, type RepeatContext } from "@xenfs/bench-kit";
import type { BenchExport } from "./bench-export.js";
import { type Cell, CHUNK_BYTES, cellName, METRIC, RANDOM_INFLIGHT } from "./cells.js";
import type { HostSizes } from "./host.js";
import { readTogether } from "./many-readers.js";
import { Reader, Skipped } from "./reader-process.js";
import {
  type RunningSetup,
  type Setup,
  type SetupResources,
  startSetup,
  WORKLOADS,
  type Workload,
} from "./setups.js";
import type { BenchSizes } from "./sizes.js";

// One reader: dom0's cache holds every file of the phase, so no read pays for evictions.
const SINGLE_HOST: HostSizes = { memoryMb: 384, cacheMb: 192 };
// N readers: the cache holds the one file read; each guest keeps PAGES_HELD.together pages.
const MANY_HOST: HostSizes = { memoryMb: 384, cacheMb: 80 };
const RANDOM_SEED = 4_242;

/** What a figure of a setup measures where it is not what the others' measure. */
const NOTES: Partial<Record<string, Partial<Record<Workload, string>>>> = {
  nfs: {
    cold: "nfs-cat (libnfs)",
    cached: "nfs-cat (libnfs); ganesha's cache warm, no client cache",
    random: "the bench's NFSv4 client: READ, anonymous stateid",
    walk: "the bench's NFSv4 client: READDIR attributes as the stat, LOOKUP + READ per file",
    write: "the bench's NFSv4 client: WRITE x8 in flight, COMMIT",
    metadata: "the bench's NFSv4 client: OPEN + CLOSE, GETATTR, REMOVE",
    many: "N nfs-cat processes",
  },
};

const slug = (label: string) => label.replace(/[^a-z0-9]+/gi, "-");

type Run = (reader: Reader, files: BenchExport, sizes: BenchSizes, setup: Setup) => Promise<Measurement>;

const RUNS: Record<Exclude<Workload, "many">, Run> = {
  // No warm-up: a second read of the same file would not be cold.
  cold: (reader, files, _sizes, setup) => {
    let next = 0;
    return measure(
      cellName("cold", files, setup.label),
      async () => {
        const file = files.cold[next++ % files.cold.length] ?? files.cold[0];
        return { ops: 1, bytes: await reader.whole(file, CHUNK_BYTES) };
      },
      { repeats: files.cold.length, warmup: 0 },
    );
  },
  // The warm-up reads it in; the measured repeats find it held.
  cached: (reader, files, _sizes, setup) =>
    measure(
      cellName("cached", files, setup.label),
      async () => ({ ops: 1, bytes: await reader.whole(files.small, CHUNK_BYTES) }),
      { repeats: 5, warmup: 1 },
    ),
  // Over the file just re-read: dom0's cache holds it and a shared guest all of it.
  random: (reader, files, sizes, setup) =>
    measure(
      cellName("random", files, setup.label),
      async (ctx: RepeatContext) => {
        const latencies = await reader.random(
          files.small,
          sizes.randomOps,
          RANDOM_INFLIGHT,
          RANDOM_SEED + ctx.repeat,
        );
        for (const ms of latencies) ctx.record(ms);
        return { ops: latencies.length, bytes: latencies.length * 4096 };
      },
      { repeats: 3, warmup: 1 },
    ),
  // A warm tree, as `git status` finds a checkout it ran in a moment ago.
  walk: (reader, files, _sizes, setup) =>
    measure(
      cellName("walk", files, setup.label),
      async () => {
        const seen = await reader.walk(files.tree.dir, files.tree.files);
        return { ops: seen.files, bytes: seen.bytes };
      },
      // One warm walk measured: 10,000 files take a while in copy mode on two cores.
      { repeats: 1, warmup: 1 },
    ),
  write: (reader, files, _sizes, setup) =>
    measure(
      cellName("write", files, setup.label),
      async (ctx: RepeatContext) => {
        const path = `${files.writeDir}/${slug(setup.label)}-${ctx.repeat + 1}.bin`;
        return { ops: 1, bytes: await reader.write(path, files.cold[0].bytes, CHUNK_BYTES) };
      },
      { repeats: 2, warmup: 0 },
    ),
  metadata: (reader, files, sizes, setup) =>
    measure(
      cellName("metadata", files, setup.label),
      async (ctx: RepeatContext) => {
        const prefix = `${files.writeDir}/${slug(setup.label)}-m${ctx.repeat + 1}`;
        return { ops: await reader.metadata(prefix, sizes.metadataRounds) };
      },
      { repeats: 2, warmup: 1 },
    ),
};

async function singleCell(
  workload: Exclude<Workload, "many">,
  setup: Setup,
  running: RunningSetup,
  reader: Reader,
  files: BenchExport,
  sizes: BenchSizes,
): Promise<Cell> {
  const base = {
    workload,
    setup: setup.label,
    readers: 1,
    name: cellName(workload, files, setup.label),
    metric: METRIC[workload],
  };
  const skipped = setup.skip[workload];
  if (skipped !== undefined) return { ...base, skipped };
  let measurement: Measurement;
  try {
    measurement = await RUNS[workload](reader, files, sizes, setup);
  } catch (error) {
    if (error instanceof Skipped) {
      console.log(`  ${base.name}: skipped — ${error.message}`);
      return { ...base, skipped: error.message };
    }
    throw error;
  }
  const frames = await running.frames();
  await reader.settle();
  const after = await running.memory([reader.pid]);
  const note = NOTES[setup.label]?.[workload];
  const value = measurement[METRIC[workload] === "mbPerSec" ? "mbPerSec" : "opsPerSec"]?.median;
  console.log(
    `  ${base.name}: ${value?.toFixed(1)} ${METRIC[workload] === "mbPerSec" ? "MB/s" : "ops/s"}, frames ${frames ?? "-"}, host ${(after.totalBytes / 2 ** 20).toFixed(1)} MiB`,
  );
  return {
    ...base,
    measurement,
    ...(frames === undefined ? {} : { frames }),
    memory: { after },
    ...(note === undefined ? {} : { note }),
  };
}

async function singlePhase(setup: Setup, resources: SetupResources, sizes: BenchSizes): Promise<Cell[]> {
  const running = await startSetup(setup, resources, SINGLE_HOST);
  try {
    if (setup.transport === "shm" && (await running.memory([])).filePath === null) {
      console.log(
        `  ${setup.label}: the hypervisor reports no memory file: these rows measure frames over the socket`,
      );
    }
    const reader = await Reader.start(setup.kind, running.target, `${setup.kind}-guest`);
    try {
      const cells: Cell[] = [];
      for (const workload of WORKLOADS) {
        if (workload !== "many")
          cells.push(await singleCell(workload, setup, running, reader, resources.files, sizes));
      }
      return cells;
    } finally {
      await reader.stop();
    }
  } finally {
    await running.stop();
  }
}

async function manyPhase(setup: Setup, resources: SetupResources, sizes: BenchSizes): Promise<Cell[]> {
  const cells = await manyCells(setup, resources, sizes);
  const note = NOTES[setup.label]?.many;
  return note === undefined ? cells : cells.map((cell) => ({ ...cell, note }));
}

async function manyCells(setup: Setup, resources: SetupResources, sizes: BenchSizes): Promise<Cell[]> {
  const { files } = resources;
  const read = { file: files.cold[0], warm: files.warm };
  const cells: Cell[] = [];
  const network = setup.kind === "http" || setup.kind === "nfs";
  if (network) {
    // One server for every N: it has no cache of its own a fresh start would empty.
    const running = await startSetup(setup, resources, MANY_HOST);
    try {
      for (const n of sizes.readerCounts) {
        cells.push(await readTogether(setup, running, n, read, 3, cellName("many", files, setup.label, n)));
      }
    } finally {
      await running.stop();
    }
    return cells;
  }
  for (const n of sizes.readerCounts) {
    const running = await startSetup(setup, resources, MANY_HOST);
    try {
      cells.push(await readTogether(setup, running, n, read, 1, cellName("many", files, setup.label, n)));
    } finally {
      await running.stop();
    }
  }
  return cells;
}

/** Every setup's cells; `unavailable` maps a setup that cannot run here to why. */
export async function gatherCells(
  setups: readonly Setup[],
  resources: SetupResources,
  sizes: BenchSizes,
  unavailable: ReadonlyMap<string, string>,
): Promise<Cell[]> {
  const cells: Cell[] = [];
  for (const setup of setups) {
    const why = unavailable.get(setup.label);
    if (why !== undefined) {
      console.log(`  ${setup.label}: skipped — ${why}`);
      for (const workload of WORKLOADS) {
        const counts = workload === "many" ? sizes.readerCounts : [1];
        for (const readers of counts) {
          cells.push({
            workload,
            setup: setup.label,
            readers,
            name: cellName(workload, resources.files, setup.label, readers),
            metric: METRIC[workload],
            skipped: why,
          });
        }
      }
      continue;
    }
    console.log(`  ${setup.label}:`);
    cells.push(...(await singlePhase(setup, resources, sizes)));
    cells.push(...(await manyPhase(setup, resources, sizes)));
  }
  return cells;
}
