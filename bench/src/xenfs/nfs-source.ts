// NFS clients as a FileSource, talking NFSv4 to ganesha (nfs-server.ts): libnfs's tools
// (Debian's libnfs-utils), each a process of its own — nfs-cat for a whole file, nfs-cp for a
// write — and, for what they cannot do, the bench's own NFSv4 client (nfs4/): positional reads
// and the walk (READDIR with attributes as the stat, as NFS clients do; LOOKUP + READ per file in
// one COMPOUND). Neither creates or unlinks files (that takes NFSv4 OPEN state), so metadata is
// Unsupported.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FileSource, Unsupported, writePattern } from "./file-source.js";
import { NFS_PSEUDO } from "./nfs-server.js";
import { Nfs4Client } from "./nfs4/client.js";

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

export function nfsSource(port: number): FileSource {
  const urlOf = (path: string) =>
    `nfs://127.0.0.1${NFS_PSEUDO}/${path.replace(/^\/+/, "")}?version=4&nfsport=${port}`;
  const local = join(tmpdir(), `xenfs-bench-nfs-write-${process.pid}.bin`);
  let localBytes = 0;
  let connected: Promise<Nfs4Client> | undefined;
  const client = () => {
    connected ??= Nfs4Client.connect(port, NFS_PSEUDO);
    return connected;
  };
  const walk = async (nfs: Nfs4Client, dir: string, total: { files: number; bytes: number }) => {
    const handle = await nfs.handleOf(dir);
    for (const entry of await nfs.readdir(handle)) {
      if (entry.directory) {
        await walk(nfs, `${dir}/${entry.name}`, total);
        continue;
      }
      const data = await nfs.readFile(handle, entry.name, entry.size);
      if (data.length !== entry.size)
        throw new Error(`${dir}/${entry.name}: read ${data.length} of ${entry.size} bytes`);
      total.files++;
      total.bytes += data.length;
    }
    return total;
  };
  return {
    async readAt(path, target, position) {
      const { data } = await (await client()).read(path, position, target.length);
      target.set(data);
      return data.length;
    },
    async readSequential(path, _chunkBytes, seen) {
      let position = 0;
      await run("nfs-cat", [urlOf(path)], (piece) => {
        seen(piece, position);
        position += piece.length;
      });
      return position;
    },
    walk: async (dir) => walk(await client(), dir, { files: 0, bytes: 0 }),
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
      throw new Unsupported(
        "libnfs-utils have no create or unlink tool; the bench's NFSv4 client keeps no OPEN state",
      );
    },
    async close() {
      if (connected) (await connected).close();
      await rm(local, { force: true });
    },
  };
}
