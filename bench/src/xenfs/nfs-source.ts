// An NFS client as a FileSource: libnfs's tools (Debian's libnfs-utils), each a process of its
// own talking NFSv4 to ganesha (nfs-server.ts) — nfs-cat for a whole file, nfs-ls -R for a walk,
// nfs-cp for a write. They read whole files only and have no create/stat/unlink, so those cells
// are Unsupported, and the walk lists and stats (one READDIR with attributes per directory)
// without reading the files.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FileSource, Unsupported, writePattern } from "./file-source.js";
import { NFS_PSEUDO } from "./nfs-server.js";

/** Runs `program` with `args`, passing each stdout piece to `seen`; throws with its stderr on failure. */
async function run(program: string, args: string[], seen: (piece: Buffer) => void = () => {}): Promise<void> {
  const child = spawn(program, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (piece: Buffer) => {
    stderr += piece.toString();
  });
  child.stdout.on("data", seen);
  const [code] = (await once(child, "close")) as [number | null];
  if (code !== 0) throw new Error(`${program} ${args.join(" ")}: exit ${code}: ${stderr.trim()}`);
}

/** Regular files and their bytes in `nfs-ls -R`'s listing ("-rw-r--r--  1 65534 65534  4096 d1/f.txt"). */
export function parseNfsLs(text: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith("-")) continue;
    const size = Number(line.trim().split(/\s+/)[4]);
    if (!Number.isFinite(size)) throw new Error(`nfs-ls: no size in ${JSON.stringify(line)}`);
    files++;
    bytes += size;
  }
  return { files, bytes };
}

export function nfsSource(port: number): FileSource {
  const urlOf = (path: string) =>
    `nfs://127.0.0.1${NFS_PSEUDO}/${path.replace(/^\/+/, "")}?version=4&nfsport=${port}`;
  const local = join(tmpdir(), `xenfs-bench-nfs-write-${process.pid}.bin`);
  let localBytes = 0;
  return {
    async readAt() {
      throw new Unsupported("libnfs-utils read whole files only (nfs-cat): no positional read");
    },
    async readSequential(path, _chunkBytes, seen) {
      let position = 0;
      await run("nfs-cat", [urlOf(path)], (piece) => {
        seen(piece, position);
        position += piece.length;
      });
      return position;
    },
    async walk(dir) {
      let text = "";
      await run("nfs-ls", ["-R", urlOf(dir)], (piece) => {
        text += piece.toString();
      });
      return parseNfsLs(text);
    },
    async writeSequential(path, bytes, chunkBytes) {
      // nfs-cp copies a local file: made once, on the first (warm-up) write.
      if (localBytes !== bytes) {
        const chunk = writePattern(chunkBytes);
        const parts = Array.from({ length: Math.ceil(bytes / chunkBytes) }, () => chunk);
        await writeFile(local, Buffer.concat(parts).subarray(0, bytes));
        localBytes = bytes;
      }
      try {
        await run("nfs-cp", [local, urlOf(path)]);
      } catch (error) {
        throw new Unsupported(`nfs-cp to ganesha failed: ${(error as Error).message.split(": ").pop()}`);
      }
      return bytes;
    },
    async metadata() {
      throw new Unsupported("libnfs-utils have no create, stat or unlink tool");
    },
    async close() {
      await rm(local, { force: true });
    },
  };
}
