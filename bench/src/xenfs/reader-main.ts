// One reader as its own process: a guest mounting XenFS (READER_KIND shared|copy|cow), a guest
// mounting the ext4 image on its vbd (block), an HTTP client (http) or libnfs's tools (nfs),
// driven over the IPC channel: a Command in, a ReaderReply out.
import type { MemoryTransport } from "@xenfs/libxen";
import { blockSource } from "./block-source.js";
import { type FileSource, Unsupported } from "./file-source.js";
import { httpSource } from "./http-source.js";
import { nfsSource } from "./nfs-source.js";
import type { Command, ReaderReply } from "./reader-protocol.js";
import { metadataOps, randomPageReads, readWhole, seededRandom, walkTree, writeWhole } from "./workloads.js";
import { xenfsSource } from "./xenfs-source.js";

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

function reply(message: ReaderReply): void {
  process.send?.(message);
}

function memoryTransport(value: string): MemoryTransport {
  if (value !== "shm" && value !== "socket") throw new Error(`XEN_MEMORY_TRANSPORT ${value}`);
  return value;
}

async function openSource(): Promise<FileSource> {
  const kind = env("READER_KIND");
  if (kind === "http") return httpSource(env("HTTP_URL"));
  if (kind === "nfs") return nfsSource(Number(env("NFS_PORT")));
  const domain = {
    hypervisorUrl: env("XEN_HYPERVISOR_URL"),
    clusterToken: env("XEN_CLUSTER_TOKEN"),
    name: env("XEN_DOMAIN_NAME"),
    transport: memoryTransport(env("XEN_MEMORY_TRANSPORT")),
  };
  if (kind === "block") return blockSource(domain);
  if (kind !== "shared" && kind !== "copy" && kind !== "cow") throw new Error(`READER_KIND ${kind}`);
  return xenfsSource({ ...domain, mode: kind, maxPagesHeld: Number(env("MAX_PAGES_HELD")) });
}

async function run(source: FileSource, command: Command): Promise<ReaderReply> {
  switch (command.cmd) {
    case "whole":
      return { type: "done", bytes: await readWhole(source, command.file, command.chunkBytes) };
    case "random": {
      const random = seededRandom(command.seed);
      const latencies = await randomPageReads(source, command.file, command.ops, command.inflight, random);
      return { type: "done", bytes: latencies.length * 4096, latencies };
    }
    case "walk": {
      const { files, bytes } = await walkTree(source, command.dir, command.files);
      return { type: "done", bytes, ops: files };
    }
    case "write":
      return {
        type: "done",
        bytes: await writeWhole(source, command.path, command.bytes, command.chunkBytes),
      };
    case "metadata":
      return { type: "done", bytes: 0, ops: await metadataOps(source, command.prefix, command.count) };
    case "settle":
      // Started with --expose-gc by reader-process.ts; twice, for what the first one freed.
      globalThis.gc?.();
      globalThis.gc?.();
      return { type: "done", bytes: 0 };
    case "stop":
      await source.close();
      process.exit(0);
  }
}

function failed(error: unknown): never {
  reply({ type: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
}

try {
  const source = await openSource();
  // One command at a time: the bench waits for each reply before it sends the next.
  process.on("message", (command: Command) => {
    run(source, command).then(reply, (error: unknown) => {
      if (error instanceof Unsupported) reply({ type: "unsupported", reason: error.message });
      else failed(error);
    });
  });
  reply({ type: "ready" });
} catch (error) {
  failed(error);
}
