// A minimal hypercall client for tests: speaks the wire directly (encode Envelope, match
// replies by reply_to, collect upcalls). Test support, not a mock: it talks to a real
// hypervisor over a real WebSocket.
import { decodeEnvelope, type EnvelopeInit, encodeEnvelope, type xen } from "@xenfs/proto";
import WebSocket from "ws";

export interface Closed {
  readonly code: number;
  readonly reason: string;
}

export class RawClient {
  readonly upcalls: xen.Upcall[] = [];
  /** Highest hypervisor frame seq received (what a resume presents). */
  lastSeq = 0;
  domid = -1;
  sessionKey: Uint8Array = new Uint8Array();
  readonly closed: Promise<Closed>;
  private seq = 0;

  /** After a resume: calls go on from the session's last accepted one, as libxen's do. */
  numberAfter(lastCallSeq: number): void {
    this.seq = lastCallSeq;
  }

  /** The seq of the last call sent (a test re-sends an unanswered one with it, as a resume would). */
  get lastCallSeqSent(): number {
    return this.seq;
  }
  private readonly waiting = new Map<number, (envelope: ReturnType<typeof decodeEnvelope>) => void>();
  private readonly upcallWaiters = new Set<() => void>();

  private constructor(readonly socket: WebSocket) {
    socket.on("message", (data: Buffer) => {
      const envelope = decodeEnvelope(new Uint8Array(data));
      this.lastSeq = Math.max(this.lastSeq, envelope.seq);
      if (envelope.upcalls) {
        this.upcalls.push(...(envelope.upcalls.upcalls as xen.Upcall[]));
        for (const wake of this.upcallWaiters) wake();
        return;
      }
      const resolve = this.waiting.get(envelope.replyTo);
      this.waiting.delete(envelope.replyTo);
      resolve?.(envelope);
    });
    this.closed = new Promise((resolve) =>
      socket.on("close", (code, reason) => {
        resolve({ code, reason: reason.toString() });
      }),
    );
  }

  static connect(url: string): Promise<RawClient> {
    const socket = new WebSocket(url, { perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
    return new Promise((resolve, reject) => {
      socket.once("open", () => resolve(new RawClient(socket)));
      socket.once("error", reject);
    });
  }

  static async join(url: string, token: string, name: string, maxFrames = 0): Promise<RawClient> {
    const client = await RawClient.connect(url);
    const reply = await client.call({ join: { token, name, maxFrames } });
    if (reply.status !== 0) throw new Error(`join failed: ${reply.code} ${reply.message}`);
    client.domid = reply.join!.domid!;
    client.sessionKey = reply.join!.sessionKey!;
    return client;
  }

  /** Sends an envelope body with the next call seq (or the one given) and awaits its answer. */
  request(body: EnvelopeInit, seq = ++this.seq): Promise<ReturnType<typeof decodeEnvelope>> {
    this.seq = Math.max(this.seq, seq);
    const answer = new Promise<ReturnType<typeof decodeEnvelope>>((resolve, reject) => {
      this.waiting.set(seq, resolve);
      this.closed.then((c) => reject(new Error(`closed ${c.code} ${c.reason}`)));
    });
    this.socket.send(encodeEnvelope({ ...body, seq }));
    return answer;
  }

  async call(call: xen.Hypercall.$Properties, seq?: number): Promise<xen.Reply> {
    const envelope = await this.request({ call }, seq);
    if (!envelope.reply) throw new Error(`expected a reply, got ${envelope.body}`);
    return envelope.reply as xen.Reply;
  }

  async multicall(calls: xen.Hypercall.$Properties[]): Promise<xen.Reply[]> {
    const envelope = await this.request({ multicall: { calls } });
    if (!envelope.multicallReply) throw new Error(`expected a multicall reply, got ${envelope.body}`);
    return envelope.multicallReply.results as xen.Reply[];
  }

  /** A round trip: every upcall queued for this domain before it has arrived when it resolves. */
  async sync(): Promise<void> {
    await this.call({ gnttabQuerySize: { dom: 0x7ff0 } });
  }

  /** Waits for an upcall for which `match` gives a value (not null/undefined), removing it. */
  async upcall<T>(match: (u: xen.Upcall) => T | null | undefined): Promise<T> {
    for (;;) {
      const i = this.upcalls.findIndex((u) => (match(u) ?? undefined) !== undefined);
      if (i >= 0) return match(this.upcalls.splice(i, 1)[0]!) as T;
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.upcallWaiters.delete(wake);
          resolve();
        };
        this.upcallWaiters.add(wake);
      });
    }
  }

  /** Ports of every event_pending upcall received so far (and forgets them). */
  takeEvents(): number[] {
    const ports: number[] = [];
    for (let i = this.upcalls.length - 1; i >= 0; i--) {
      const u = this.upcalls[i]!;
      if (u.eventPending) {
        ports.unshift(...(u.eventPending.ports ?? []));
        this.upcalls.splice(i, 1);
      }
    }
    return ports;
  }

  sendRaw(bytes: Uint8Array | string): void {
    this.socket.send(bytes);
  }

  close(): Promise<Closed> {
    this.socket.close();
    return this.closed;
  }

  /** Drops the TCP connection without a close handshake, as a killed process would. */
  kill(): Promise<Closed> {
    this.socket.terminate();
    return this.closed;
  }
}
