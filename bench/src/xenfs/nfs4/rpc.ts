// ONC RPC (RFC 5531) over one TCP connection with record marking: calls are pipelined, each
// answered by its xid, so many may be in flight at once. Credentials: AUTH_SYS as root.
import { once } from "node:events";
import { createConnection, type Socket } from "node:net";
import { XdrReader, XdrWriter } from "./xdr.js";

const CALL = 0;
const REPLY = 1;
const MSG_ACCEPTED = 0;
const SUCCESS = 0;
const AUTH_NONE = 0;
const AUTH_SYS = 1;
const LAST_FRAGMENT = 0x8000_0000;

export class RpcError extends Error {
  override readonly name = "RpcError";
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

interface Pending {
  resolve(reply: XdrReader): void;
  reject(error: Error): void;
}

export class RpcClient {
  private nextXid = (Math.random() * 0x7fff_ffff) >>> 0;
  private readonly pending = new Map<number, Pending>();
  private received: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private readonly credential: Buffer;

  private constructor(
    private readonly socket: Socket,
    private readonly program: number,
    private readonly version: number,
  ) {
    this.credential = new XdrWriter()
      .u32(0) // stamp
      .string("xenfs-bench")
      .u32(0) // uid
      .u32(0) // gid
      .u32(0) // no supplementary gids
      .bytes();
    socket.on("data", (data: Buffer) => this.onData(data));
    socket.on("close", () => this.failAll(new RpcError("connection closed", "ECONNRESET")));
    socket.on("error", (error) => this.failAll(error));
  }

  static async connect(port: number, program: number, version: number): Promise<RpcClient> {
    const socket = createConnection({ host: "127.0.0.1", port });
    await once(socket, "connect");
    socket.setNoDelay(true);
    return new RpcClient(socket, program, version);
  }

  /** Calls `procedure` with XDR-encoded `args`; resolves with a reader at the start of its results. */
  call(procedure: number, args: Buffer): Promise<XdrReader> {
    const xid = this.nextXid++ >>> 0;
    const message = new XdrWriter()
      .u32(xid)
      .u32(CALL)
      .u32(2)
      .u32(this.program)
      .u32(this.version)
      .u32(procedure)
      .u32(AUTH_SYS)
      .opaque(this.credential)
      .u32(AUTH_NONE)
      .u32(0)
      .bytes();
    const body = Buffer.concat([message, args]);
    const header = Buffer.alloc(4);
    header.writeUInt32BE((LAST_FRAGMENT | body.length) >>> 0);
    return new Promise((resolve, reject) => {
      this.pending.set(xid, { resolve, reject });
      this.socket.write(Buffer.concat([header, body]));
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(data: Buffer): void {
    this.received = this.received.length === 0 ? data : Buffer.concat([this.received, data]);
    while (this.received.length >= 4) {
      const mark = this.received.readUInt32BE(0);
      const length = mark & 0x7fff_ffff;
      if (this.received.length < 4 + length) return;
      this.fragments.push(this.received.subarray(4, 4 + length));
      this.received = this.received.subarray(4 + length);
      if (mark & LAST_FRAGMENT) {
        const record = Buffer.concat(this.fragments);
        this.fragments = [];
        this.onRecord(record);
      }
    }
  }

  private onRecord(record: Buffer): void {
    const reader = new XdrReader(record);
    const xid = reader.u32();
    const pending = this.pending.get(xid);
    if (!pending) return;
    this.pending.delete(xid);
    try {
      if (reader.u32() !== REPLY) throw new RpcError(`xid ${xid}: not a reply`, "EPROTO");
      if (reader.u32() !== MSG_ACCEPTED) throw new RpcError(`xid ${xid}: call denied`, "EACCES");
      reader.u32(); // verifier flavour
      reader.opaque();
      const accepted = reader.u32();
      if (accepted !== SUCCESS) throw new RpcError(`xid ${xid}: accept_stat ${accepted}`, "EPROTO");
      pending.resolve(reader);
    } catch (error) {
      pending.reject(error as Error);
    }
  }

  private failAll(error: Error): void {
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}
