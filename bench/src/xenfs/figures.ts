// Every figure of the XenFS suite, gathered phase by phase: one reader against each server
// (shared mode, copy mode, HTTP), then N readers of one file against each.
import type { BenchExport } from "./bench-export.js";
import { startXenfsHost } from "./host.js";
import { type HttpServerProcess, startHttpServer } from "./http-server-process.js";
import { type ManyReadersFigure, readTogether } from "./many-readers.js";
import { Reader } from "./reader-process.js";
import { type SingleReaderFigures, singleReaderFigures } from "./single-reader.js";
import type { FileRef } from "./workloads.js";

export const READER_COUNTS = [1, 2, 4, 8] as const;
export type XenfsMode = "shared" | "copy";
export type ServerKind = XenfsMode | "http";

// Single reader: dom0's cache holds every file of the phase, so no read pays for evictions;
// a copy guest keeps up to PAGES_HELD.alone frames of its own.
const SINGLE_HOST = { memoryMb: 384, cacheMb: 192 };
// N readers: the cache holds the one file read; each guest keeps PAGES_HELD.together pages.
const MANY_HOST = { memoryMb: 384, cacheMb: 80 };

export interface SuiteFigures {
  readonly single: Record<ServerKind, SingleReaderFigures>;
  readonly many: Record<ServerKind, ManyReadersFigure[]>;
}

/**
 * What N readers read: the large file, except in copy mode, which reads the small one. Copy
 * mode gives every guest a copy of its own: 8 guests' copies of 64 MiB would not fit the host's
 * memory beside dom0's cache.
 */
export function manyReadersFile(kind: ServerKind, files: BenchExport): FileRef {
  return kind === "copy" ? files.small : files.cold[0];
}

async function singleXenfs(mode: XenfsMode, files: BenchExport): Promise<SingleReaderFigures> {
  const host = await startXenfsHost(files.dir, SINGLE_HOST);
  try {
    const reader = await Reader.start(mode, { hypervisorUrl: host.url }, `${mode}-guest`);
    try {
      return await singleReaderFigures(reader, files, mode, host.framesUsed);
    } finally {
      await reader.stop();
    }
  } finally {
    await host.stop();
  }
}

/** A fresh host for each N: the frames counted are this read's, from an empty cache. */
async function manyXenfs(mode: XenfsMode, readers: number, files: BenchExport): Promise<ManyReadersFigure> {
  const host = await startXenfsHost(files.dir, MANY_HOST);
  try {
    const idle = await host.framesUsed();
    const file = manyReadersFile(mode, files);
    return await readTogether(mode, { hypervisorUrl: host.url }, readers, file, 1, async () => {
      return (await host.framesUsed()) - idle;
    });
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
  const noFrames = async () => undefined;
  const single = {
    shared: await singleXenfs("shared", files),
    copy: await singleXenfs("copy", files),
    http: await withHttp(files, async (server) => {
      const reader = await Reader.start("http", { httpUrl: server.url }, "http-client");
      try {
        return await singleReaderFigures(reader, files, "http", noFrames);
      } finally {
        await reader.stop();
      }
    }),
  };
  const many: SuiteFigures["many"] = { shared: [], copy: [], http: [] };
  for (const mode of ["shared", "copy"] as const) {
    for (const readers of READER_COUNTS) many[mode].push(await manyXenfs(mode, readers, files));
  }
  await withHttp(files, async (server) => {
    const file = manyReadersFile("http", files);
    for (const readers of READER_COUNTS) {
      many.http.push(await readTogether("http", { httpUrl: server.url }, readers, file, 3, noFrames));
    }
  });
  return { single, many };
}
