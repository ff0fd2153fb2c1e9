// A small NFSv4.0 client (RFC 7530) for what libnfs's tools cannot do: positional reads and a
// walk that reads every file. Only stateless operations — PUTROOTFH, PUTFH, LOOKUP, GETFH,
// READDIR with attributes, READ with the anonymous stateid (RFC 7530 §9.1.4.3) — one COMPOUND
// per round trip, many in flight on one connection. It talks to the real ganesha.
import { RpcClient } from "./rpc.js";
import { XdrReader, XdrWriter } from "./xdr.js";

const NFS_PROGRAM = 100003;
const NFS_V4 = 4;
const NFSPROC4_COMPOUND = 1;

/** nfs_opnum4 (RFC 7530 §16): the operations used. */
export const OP = {
  CLOSE: 4,
  COMMIT: 5,
  GETATTR: 9,
  GETFH: 10,
  LOOKUP: 15,
  OPEN: 18,
  OPEN_CONFIRM: 20,
  PUTFH: 22,
  PUTROOTFH: 24,
  READ: 25,
  READDIR: 26,
  REMOVE: 28,
  SETCLIENTID: 35,
  SETCLIENTID_CONFIRM: 36,
  WRITE: 38,
} as const;
/** nfs_ftype4 */
const NF4DIR = 2;
/** fattr4 bits: type (1) and size (4), both in the first bitmap word. */
const FATTR4_TYPE = 1;
const FATTR4_SIZE = 4;
const ANONYMOUS_STATEID = Buffer.alloc(16);
const MAX_READ = 1024 * 1024;

export class Nfs4Error extends Error {
  override readonly name = "Nfs4Error";
  constructor(
    message: string,
    /** nfsstat4 */
    readonly status: number,
  ) {
    super(message);
  }
}

export interface Nfs4Entry {
  readonly name: string;
  readonly directory: boolean;
  readonly size: number;
}

/** One operation of a COMPOUND, writing its opcode and arguments. */
export type Op = (w: XdrWriter) => void;

const putrootfh: Op = (w) => w.u32(OP.PUTROOTFH);
export const putfh =
  (fh: Buffer): Op =>
  (w) =>
    w.u32(OP.PUTFH).opaque(fh);
export const lookup =
  (name: string): Op =>
  (w) =>
    w.u32(OP.LOOKUP).string(name);
export const getfh: Op = (w) => w.u32(OP.GETFH);
const read =
  (offset: number, count: number): Op =>
  (w) =>
    w.u32(OP.READ).fixed(ANONYMOUS_STATEID).u64(offset).u32(count);

export class Nfs4Client {
  private readonly handles = new Map<string, Promise<Buffer>>();

  private constructor(
    private readonly rpc: RpcClient,
    private readonly exportPath: readonly string[],
  ) {}

  /** Connects to the server on `port`; paths are under `exportPath` in its pseudo file system. */
  static async connect(port: number, exportPath: string): Promise<Nfs4Client> {
    const rpc = await RpcClient.connect(port, NFS_PROGRAM, NFS_V4);
    return new Nfs4Client(rpc, exportPath.split("/").filter(Boolean));
  }

  /**
   * Runs the ops as one COMPOUND; returns a reader at the last op's result, past its status.
   * `decode[i]` reads (skips) the result of op i where an op that is not the last has one.
   */
  async compound(
    what: string,
    ops: readonly Op[],
    decode: readonly ((r: XdrReader) => void)[] = [],
  ): Promise<XdrReader> {
    const w = new XdrWriter().string("").u32(0).u32(ops.length);
    for (const op of ops) op(w);
    const r = await this.rpc.call(NFSPROC4_COMPOUND, w.bytes());
    const status = r.u32();
    r.string(); // tag
    // PUTROOTFH, PUTFH and LOOKUP have no result past their status; the server stops at the
    // first op that fails.
    const results = r.u32();
    for (let i = 0; i < results; i++) {
      r.u32(); // resop
      const opStatus = r.u32();
      if (opStatus !== 0)
        throw new Nfs4Error(`${what}: op ${i + 1} of ${ops.length} failed, nfsstat4 ${opStatus}`, opStatus);
      if (i < results - 1) decode[i]?.(r);
    }
    if (status !== 0) throw new Nfs4Error(`${what}: nfsstat4 ${status}`, status);
    return r;
  }

  /** The file handle of `path` (cached): the export's root when empty. */
  handleOf(path: string): Promise<Buffer> {
    const parts = path.split("/").filter(Boolean);
    const key = parts.join("/");
    let handle = this.handles.get(key);
    if (!handle) {
      const ops = [putrootfh, ...[...this.exportPath, ...parts].map(lookup), getfh];
      handle = this.compound(`LOOKUP ${key}`, ops).then((r) => Buffer.from(r.opaque()));
      handle.catch(() => this.handles.delete(key));
      this.handles.set(key, handle);
    }
    return handle;
  }

  /** Up to `count` bytes of `path` at `offset` (one READ); `eof` when the file ends there. */
  async read(path: string, offset: number, count: number): Promise<{ data: Buffer; eof: boolean }> {
    const fh = await this.handleOf(path);
    const r = await this.compound(`READ ${path}`, [putfh(fh), read(offset, Math.min(count, MAX_READ))]);
    const eof = r.bool();
    return { data: r.opaque(), eof };
  }

  /** A file of `size` bytes in directory `dir` read whole: LOOKUP and READs, the first in one COMPOUND. */
  async readFile(dirHandle: Buffer, name: string, size: number): Promise<Buffer> {
    const first = await this.compound(`READ ${name}`, [putfh(dirHandle), lookup(name), read(0, MAX_READ)]);
    let eof = first.bool();
    const parts = [first.opaque()];
    let done = parts[0]?.length ?? 0;
    if (!eof && done < size) {
      const fh = Buffer.from(
        (await this.compound(`LOOKUP ${name}`, [putfh(dirHandle), lookup(name), getfh])).opaque(),
      );
      while (!eof && done < size) {
        const r = await this.compound(`READ ${name}`, [putfh(fh), read(done, MAX_READ)]);
        eof = r.bool();
        const data = r.opaque();
        if (data.length === 0) break;
        parts.push(data);
        done += data.length;
      }
    }
    return Buffer.concat(parts);
  }

  /** Every entry of the directory with handle `dir`, with its type and size (READDIR with attributes). */
  async readdir(dir: Buffer): Promise<Nfs4Entry[]> {
    const entries: Nfs4Entry[] = [];
    let cookie = 0n;
    let verifier = Buffer.alloc(8);
    for (;;) {
      const readdir: Op = (w) =>
        w
          .u32(OP.READDIR)
          .u64(cookie)
          .fixed(verifier)
          .u32(64 * 1024)
          .u32(256 * 1024)
          .u32(1)
          .u32((1 << FATTR4_TYPE) | (1 << FATTR4_SIZE));
      const r = await this.compound("READDIR", [putfh(dir), readdir]);
      verifier = Buffer.from(r.fixed(8));
      while (r.bool()) {
        cookie = r.u64();
        const name = r.string();
        const words = r.u32();
        const mask = words > 0 ? r.u32() : 0;
        for (let i = 1; i < words; i++) r.u32();
        const values = new XdrReader(r.opaque());
        let type = 0;
        let size = 0;
        if (mask & (1 << FATTR4_TYPE)) type = values.u32();
        if (mask & (1 << FATTR4_SIZE)) size = Number(values.u64());
        entries.push({ name, directory: type === NF4DIR, size });
      }
      if (r.bool()) return entries;
    }
  }

  close(): void {
    this.rpc.close();
  }
}
