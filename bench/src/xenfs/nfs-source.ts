// NFS clients as a FileSource, talking NFSv4 to ganesha (nfs-server.ts): libnfs's nfs-cat
// (Debian's libnfs-utils, a process per read) for whole files and, for what libnfs's tools cannot
// do, the bench's own NFSv4 client (nfs4/): positional reads, the walk (READDIR with attributes as
// the stat, as NFS clients do; LOOKUP + READ per file in one COMPOUND), the write (OPEN, WRITEs
// 8 in flight, COMMIT as the fsync, CLOSE) and metadata (OPEN + CLOSE, GETATTR, REMOVE). nfs-cp
// is not used: against ganesha 4.3 it fails every write past a few KiB.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { type FileSource, writePattern } from "./file-source.js";
import { NFS_PSEUDO } from "./nfs-server.js";
import { Nfs4Client } from "./nfs4/client.js";
import { Nfs4Session } from "./nfs4/state.js";

/** WRITEs in flight, as a client's write-behind would keep them. */
const WRITES_IN_FLIGHT = 8;

/** "a/b/c.bin" → ["a/b", "c.bin"] */
function split(path: string): [string, string] {
  const at = path.lastIndexOf("/");
  return at < 0 ? ["", path] : [path.slice(0, at), path.slice(at + 1)];
}

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
  let connected: Promise<Nfs4Client> | undefined;
  const client = () => {
    connected ??= Nfs4Client.connect(port, NFS_PSEUDO);
    return connected;
  };
  let opened: Promise<Nfs4Session> | undefined;
  const session = async () => {
    const nfs = await client();
    opened ??= Nfs4Session.open(nfs);
    return { nfs, state: await opened };
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
      const { nfs, state } = await session();
      const [dir, name] = split(path);
      const file = await state.create(await nfs.handleOf(dir), name);
      const chunk = writePattern(chunkBytes);
      let next = 0;
      let written = 0;
      const writer = async () => {
        while (next < bytes) {
          const offset = next;
          const length = Math.min(chunkBytes, bytes - offset);
          next += length;
          const taken = await state.write(file, offset, chunk.subarray(0, length));
          if (taken !== length) throw new Error(`${path}@${offset}: WRITE took ${taken} of ${length} bytes`);
          written += taken;
        }
      };
      try {
        await Promise.all(Array.from({ length: WRITES_IN_FLIGHT }, writer));
        await state.commit(file);
      } finally {
        await state.close(file);
      }
      return written;
    },
    async metadata(prefix, count) {
      const { nfs, state } = await session();
      const [dir, stem] = split(prefix);
      const handle = await nfs.handleOf(dir);
      for (let i = 0; i < count; i++) {
        const name = `${stem}-${i}`;
        await state.close(await state.create(handle, name));
        await state.stat(handle, name);
        await state.remove(handle, name);
      }
      return 3 * count;
    },
    async close() {
      if (connected) (await connected).close();
    },
  };
}
