// The stateful half of the bench's NFSv4.0 client (RFC 7530 §9): a client id (SETCLIENTID +
// SETCLIENTID_CONFIRM) and one open-owner, whose seqid goes up with every OPEN, OPEN_CONFIRM and
// CLOSE — enough to create, write (WRITE + COMMIT: the fsync), stat (GETATTR) and remove files.
// Calls that take the seqid run one at a time.
import { randomBytes } from "node:crypto";
import { getfh, lookup, type Nfs4Client, Nfs4Error, OP, type Op, putfh } from "./client.js";
import type { XdrReader, XdrWriter } from "./xdr.js";

const OPEN4_SHARE_ACCESS_WRITE = 2;
const OPEN4_CREATE = 1;
const UNCHECKED4 = 0;
const CLAIM_NULL = 0;
const OPEN4_RESULT_CONFIRM = 2;
const OPEN_DELEGATE_NONE = 0;
const UNSTABLE4 = 0;
/** FATTR4_MODE (33): bit 1 of the second bitmap word. */
const MODE_BITMAP = [0, 1 << (33 - 32)];
const FATTR4_SIZE = 4;

function skipChangeInfo(r: XdrReader): void {
  r.bool();
  r.u64();
  r.u64();
}

function skipBitmap(r: XdrReader): void {
  const words = r.u32();
  for (let i = 0; i < words; i++) r.u32();
}

/** An open file: its handle and the stateid its WRITEs and CLOSE name. */
export interface OpenFile {
  readonly fh: Buffer;
  stateid: Buffer;
}

export class Nfs4Session {
  private seqid = 0;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly nfs: Nfs4Client,
    private readonly clientid: bigint,
    private readonly owner: Buffer,
  ) {}

  static async open(nfs: Nfs4Client): Promise<Nfs4Session> {
    const verifier = randomBytes(8);
    const setclientid: Op = (w: XdrWriter) =>
      w
        .u32(OP.SETCLIENTID)
        .fixed(verifier)
        .opaque(Buffer.from(`xenfs-bench-${process.pid}-${verifier.toString("hex")}`))
        // No callback service: the server gives no delegations it would have to recall.
        .u32(0)
        .string("tcp")
        .string("127.0.0.1.0.0")
        .u32(0);
    const r = await nfs.compound("SETCLIENTID", [setclientid]);
    const clientid = r.u64();
    const confirm = Buffer.from(r.fixed(8));
    await nfs.compound("SETCLIENTID_CONFIRM", [
      (w) => w.u32(OP.SETCLIENTID_CONFIRM).u64(clientid).fixed(confirm),
    ]);
    return new Nfs4Session(nfs, clientid, randomBytes(16));
  }

  /** Runs `call` after every earlier seqid-taking call, with the next seqid. */
  private sequenced<T>(call: (seqid: number) => Promise<T>): Promise<T> {
    const next = this.queue.then(() => call(this.seqid++));
    this.queue = next.catch(() => {});
    return next;
  }

  /** Creates (or opens) `name` in the directory `dir` for writing, mode 0644. */
  create(dir: Buffer, name: string): Promise<OpenFile> {
    return this.sequenced(async (seqid) => {
      const open: Op = (w) =>
        w
          .u32(OP.OPEN)
          .u32(seqid)
          .u32(OPEN4_SHARE_ACCESS_WRITE)
          .u32(0)
          .u64(this.clientid)
          .opaque(this.owner)
          .u32(OPEN4_CREATE)
          .u32(UNCHECKED4)
          .u32(MODE_BITMAP.length)
          .u32(MODE_BITMAP[0] ?? 0)
          .u32(MODE_BITMAP[1] ?? 0)
          .opaque(Buffer.from([0, 0, 0o644 >> 8, 0o644 & 0xff]))
          .u32(CLAIM_NULL)
          .string(name);
      let stateid = Buffer.alloc(0);
      let confirm = false;
      const decodeOpen = (r: XdrReader) => {
        stateid = Buffer.from(r.fixed(16));
        skipChangeInfo(r);
        confirm = (r.u32() & OPEN4_RESULT_CONFIRM) !== 0;
        skipBitmap(r);
        const delegation = r.u32();
        if (delegation !== OPEN_DELEGATE_NONE)
          throw new Nfs4Error(`OPEN ${name}: a delegation (${delegation})`, 0);
      };
      const r = await this.nfs.compound(`OPEN ${name}`, [putfh(dir), open, getfh], [() => {}, decodeOpen]);
      const fh = Buffer.from(r.opaque());
      return { fh, stateid, confirm };
    }).then(async ({ fh, stateid, confirm }) => {
      if (!confirm) return { fh, stateid };
      const confirmed = await this.sequenced((seqid) =>
        this.nfs.compound(`OPEN_CONFIRM ${name}`, [
          putfh(fh),
          (w) => w.u32(OP.OPEN_CONFIRM).fixed(stateid).u32(seqid),
        ]),
      );
      return { fh, stateid: Buffer.from(confirmed.fixed(16)) };
    });
  }

  /** WRITE (unstable: COMMIT makes it durable); resolves with the bytes the server took. */
  async write(file: OpenFile, offset: number, data: Uint8Array): Promise<number> {
    const write: Op = (w) => w.u32(OP.WRITE).fixed(file.stateid).u64(offset).u32(UNSTABLE4).opaque(data);
    const r = await this.nfs.compound("WRITE", [putfh(file.fh), write]);
    return r.u32();
  }

  /** COMMIT of the whole file: the server's fsync. */
  async commit(file: OpenFile): Promise<void> {
    await this.nfs.compound("COMMIT", [putfh(file.fh), (w) => w.u32(OP.COMMIT).u64(0).u32(0)]);
  }

  close(file: OpenFile): Promise<void> {
    return this.sequenced(async (seqid) => {
      await this.nfs.compound("CLOSE", [
        putfh(file.fh),
        (w) => w.u32(OP.CLOSE).u32(seqid).fixed(file.stateid),
      ]);
    });
  }

  /** GETATTR of `name` in `dir`: its size. */
  async stat(dir: Buffer, name: string): Promise<number> {
    const getattr: Op = (w) =>
      w
        .u32(OP.GETATTR)
        .u32(1)
        .u32(1 << FATTR4_SIZE);
    const r = await this.nfs.compound(`GETATTR ${name}`, [putfh(dir), lookup(name), getattr]);
    skipBitmap(r);
    const values = r.opaque();
    return Number(values.readBigUInt64BE(0));
  }

  async remove(dir: Buffer, name: string): Promise<void> {
    await this.nfs.compound(`REMOVE ${name}`, [putfh(dir), (w) => w.u32(OP.REMOVE).string(name)]);
  }
}
