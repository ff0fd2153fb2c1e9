// Every figure of the XenFS suite, gathered phase by phase: one reader against each server
// (shared and copy mode under each memory transport, and HTTP), then N readers of one file
// against each, with the host memory they cost.
import type { BenchExport } from "./bench-export.js";
import { startXenfsHost } from "./host.js";
import { type HttpServerProcess, startHttpServer } from "./http-server-process.js";
import { type ManyReadersFigure, readTogether } from "./many-readers.js";
import { Reader } from "./reader-process.js";
import { type SingleReaderFigures, singleReaderFigures } from "./single-reader.js";
import { VARIANTS, type Variant } from "./transport.js";

export const READER_COUNTS = [1, 2, 4, 8] as const;
/** Row labels: a XenFS variant ("shared, shm") or the HTTP server. */
export const HTTP = "http";

// Single reader: dom0's cache holds every file of the phase, so no read pays for evictions;
// a copy guest keeps up to PAGES_HELD.alone frames of its own.
const SINGLE_HOST = { memoryMb: 384, cacheMb: 192 };
// N readers: the cache holds the one file read; each guest keeps PAGES_HELD.together pages.
const MANY_HOST = { memoryMb: 384, cacheMb: 80 };

export interface SuiteFigures {
  /** By label: every variant's and HTTP's. */
  readonly single: ReadonlyMap<string, SingleReaderFigures>;
  readonly many: ReadonlyMap<string, ManyReadersFigure[]>;
}

/** Says once per host when `shm` was asked for but the hypervisor has no memory file to share. */
async function checkTransport(v: Variant, memory: () => Promise<{ filePath: string | null }>) {
  if (v.transport === "shm" && (await memory()).filePath === null) {
    console.log(
      `  ${v.label}: the hypervisor reports no memory file: these rows measure frames over the socket`,
    );
  }
}

async function singleXenfs(v: Variant, files: BenchExport): Promise<SingleReaderFigures> {
  const host = await startXenfsHost(files.dir, SINGLE_HOST, v.transport);
  try {
    await checkTransport(v, () => host.memory([]));
    const target = { hypervisorUrl: host.url, transport: v.transport };
    const reader = await Reader.start(v.mode, target, `${v.mode}-guest`);
    try {
      return await singleReaderFigures(reader, files, v.label, host.framesUsed);
    } finally {
      await reader.stop();
    }
  } finally {
    await host.stop();
  }
}

/** A fresh host for each N: the frames and memory counted are this read's, from an empty cache. */
async function manyXenfs(v: Variant, readers: number, files: BenchExport): Promise<ManyReadersFigure> {
  const host = await startXenfsHost(files.dir, MANY_HOST, v.transport);
  try {
    const idle = await host.framesUsed();
    const target = { hypervisorUrl: host.url, transport: v.transport };
    return await readTogether(
      v.mode,
      v.label,
      target,
      readers,
      { file: files.cold[0], warm: files.warm },
      1,
      {
        frames: async () => (await host.framesUsed()) - idle,
        memory: host.memory,
      },
    );
  } finally {
    await host.stop();
  }
}

async function withHttp<T>(files: BenchExport, run: (server: HttpServerProcess) => Promise<T>): Promise<T> {
  const server = await startHttpServer(files.dir);
  try {
    return await run(server);
  } finally {
    await server.stop();
  }
}

export async function gatherFigures(files: BenchExport): Promise<SuiteFigures> {
  const noFrames = { frames: async () => undefined };
  const single = new Map<string, SingleReaderFigures>();
  for (const v of VARIANTS) single.set(v.label, await singleXenfs(v, files));
  single.set(
    HTTP,
    await withHttp(files, async (server) => {
      const reader = await Reader.start("http", { httpUrl: server.url }, "http-client");
      try {
        return await singleReaderFigures(reader, files, HTTP, noFrames.frames);
      } finally {
        await reader.stop();
      }
    }),
  );
  const many = new Map<string, ManyReadersFigure[]>();
  for (const v of VARIANTS) {
    const figures: ManyReadersFigure[] = [];
    for (const readers of READER_COUNTS) figures.push(await manyXenfs(v, readers, files));
    many.set(v.label, figures);
  }
  const http: ManyReadersFigure[] = [];
  const read = { file: files.cold[0], warm: files.warm };
  await withHttp(files, async (server) => {
    for (const readers of READER_COUNTS) {
      http.push(await readTogether("http", HTTP, { httpUrl: server.url }, readers, read, 3, noFrames));
    }
  });
  many.set(HTTP, http);
  return { single, many };
}
