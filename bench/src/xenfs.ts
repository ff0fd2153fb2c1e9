// The XenFS suite: the benchmark matrix of issue 17. Setups: XenFS's shared, copy and cow modes
// (shared and copy also over the socket memory transport), block mode (an ext4 image of the export
// on a read-only vbd), an HTTP file server and an NFS server (nfs-ganesha, read with libnfs) over
// the same export. Workloads: cold sequential read, cached re-read, random 4 KiB reads 16 in
// flight, a tree walk of small files, a sequential write with fsync, metadata ops, and N = 1, 2,
// 4, 8 readers of one file. Every cell: throughput or latency, ratio to HTTP in the same run,
// machine frames, host memory (every process's Pss + the memory file). Hypervisor, dom0, servers
// and readers are processes of their own. XENFS_BENCH_SMOKE=1 runs it all at small sizes.
// docs/benchmarks.md says how to read it and how to regenerate the docs from a run.
import { cpus, release, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { calibrate, type WrittenReport, writeReport } from "@xenfs/bench-kit";
import { writeBenchExport } from "./xenfs/bench-export.js";
import { blockImageMissing, makeBlockImage } from "./xenfs/block-image.js";
import { gatherCells } from "./xenfs/matrix.js";
import { matrixEntries, writeMatrixReport } from "./xenfs/matrix-report.js";
import { kernelNfsClient, nfsPeerMissing, startNfsServer } from "./xenfs/nfs-server.js";
import { suiteRows } from "./xenfs/rows.js";
import { NFS, selectedSetups, setupLabel } from "./xenfs/setups.js";
import { benchSizes } from "./xenfs/sizes.js";

/** Cold reads measured, each of a file dom0 has not read yet (about 20 s each in copy mode). */
const COLD_FILES = 2;

/** Whether the NFS peer runs here: the tools, root, and ganesha actually serving. */
async function nfsProblem(exportDir: string): Promise<string | undefined> {
  const missing = nfsPeerMissing();
  if (missing) return missing;
  try {
    await (await startNfsServer(exportDir)).stop();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

export async function runXenfsBench(resultsDir: string): Promise<WrittenReport> {
  const sizes = benchSizes();
  const setups = selectedSetups();
  if (sizes.smoke)
    console.log("  XENFS_BENCH_SMOKE=1: a smoke run at small sizes; its figures are not the suite's");
  const calibration = await calibrate();
  const files = await writeBenchExport(COLD_FILES, sizes);
  const environment: string[] = [];
  const unavailable = new Map<string, string>();
  const say = (line: string) => {
    environment.push(line);
    console.log(`  ${line}`);
  };
  const selected = (label: string) => setups.some((s) => s.label === label);
  if (selected(NFS)) {
    say(`NFS: kernel client unused: ${kernelNfsClient() ?? "present"}`);
    const nfs = await nfsProblem(files.dir);
    if (nfs) {
      unavailable.set(NFS, nfs);
      say(`NFS: no NFS peer: ${nfs}`);
    } else {
      say(
        "NFS: nfs-ganesha (VFS) over loopback, NFSv4 only (NFSv3 would need rpcbind); readers: libnfs's nfs-cat and the bench's NFSv4 client",
      );
    }
  }
  let image: Awaited<ReturnType<typeof makeBlockImage>> | undefined;
  const block = setupLabel("block", "shm");
  const noMkfs = blockImageMissing();
  if (selected(block) && noMkfs) {
    unavailable.set(block, noMkfs);
    say(`block: no image: ${noMkfs}`);
  } else if (selected(block)) {
    image = await makeBlockImage(files.dir);
    say("block: ext4 image of the export (mkfs.ext4 -d), read-only vbd, libext2fs in each guest");
  }
  try {
    const cells = await gatherCells(
      setups,
      { files, ...(image ? { blockImage: image.path } : {}) },
      sizes,
      unavailable,
    );
    const { rows, unevaluated } = suiteRows(cells, files, sizes.readerCounts);
    for (const line of unevaluated) console.log(`  target not evaluated: ${line}`);
    const written = await writeReport({ suite: "xenfs", calibration, rows }, resultsDir);
    const targets = written.report.rows
      .filter((row) => row.target !== undefined && row.met !== undefined)
      .map((row) => ({
        name: row.name,
        value: row.value,
        target: `${row.target?.op} ${row.target?.value}`,
        met: row.met === true,
      }));
    const cpu = cpus();
    await writeMatrixReport(
      {
        suite: "xenfs-matrix",
        at: written.report.at,
        smoke: sizes.smoke,
        sizes,
        machine: {
          cpus: cpu.length,
          cpuModel: cpu[0]?.model ?? "unknown",
          memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
          node: process.version,
          kernel: release(),
        },
        calibration,
        environment,
        setups: setups.map((s) => s.label),
        entries: matrixEntries(cells),
        targets,
        unevaluated,
      },
      resultsDir,
    );
    console.log(written.table);
    return written;
  } finally {
    await image?.remove();
    await files.remove();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await runXenfsBench(fileURLToPath(new URL("../../results/", import.meta.url)));
}
