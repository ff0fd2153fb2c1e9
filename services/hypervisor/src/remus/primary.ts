// The primary's side of Remus (docs/remus.md): every `intervalMs` the guest is asked to stop
// (remus_checkpoint upcall); when it says it has (remus_suspend), the checkpoint is taken in one
// turn of the loop and the guest runs again; the checkpoint goes to the backup, and when the
// backup says it committed it, the guest hears remus_committed and releases the outputs it held
// for that epoch. Heartbeats go to the backup while no checkpoint does. If the backup stops
// answering, protection ends (the guest runs on unprotected, as Remus does).
import type { Logger } from "@xenfs/service-kit";
import type { Domain } from "../domain/domain.js";
import { errno } from "../errors.js";
import type { Xen } from "../xen.js";
import { type CheckpointData, firstCheckpoint, nextCheckpoint } from "./checkpoint.js";

export interface RemusOptions {
  /** The backup hypervisor's HTTP API and its dom0 token (given by the toolstack). */
  readonly backupUrl: string;
  readonly backupToken: string;
  /** The backup's hypercall URL: where the guest process attaches after a failover. */
  readonly attachUrl: string;
  readonly intervalMs: number;
  readonly heartbeatMs: number;
}

export type PrimaryState = "starting" | "protecting" | "stopped" | "backup-lost";

export interface PrimaryStatus {
  readonly role: "primary";
  readonly domid: number;
  readonly name: string;
  readonly backup: string;
  readonly state: PrimaryState;
  readonly intervalMs: number;
  readonly heartbeatMs: number;
  /** Checkpoints the backup committed. */
  readonly committed: number;
  /** The last checkpoint: how long the guest was held, pages and octets sent, ms to commit. */
  readonly last?: { epoch: number; pausedMs: number; pages: number; bytes: number; commitMs: number };
  readonly totals: { pages: number; bytes: number; pausedMs: number };
  readonly error?: string;
}

/** A guest's answer is awaited this long before protection is given up (it no longer answers). */
const GUEST_STOP_LIMIT_MS = 30_000;
/** The least time the backup is given to answer a request before it is taken for lost. */
const BACKUP_ANSWER_LIMIT_MS = 10_000;

export class RemusPrimary {
  #state: PrimaryState = "starting";
  #epoch = 0;
  #committed = 0;
  #sessionId: string | undefined;
  #stopping:
    | { resolve: (data: CheckpointData) => void; reject: (e: Error) => void; askedAt: number }
    | undefined;
  #last: PrimaryStatus["last"];
  readonly #totals = { pages: 0, bytes: 0, pausedMs: 0 };
  readonly #sent = new Set<number>();
  #lastContact = Date.now();
  #heartbeat: NodeJS.Timeout | undefined;
  #timer: NodeJS.Timeout | undefined;
  #error: string | undefined;
  #busy = false;
  #pausedMs = 0;
  #takenAt = 0;

  constructor(
    private readonly xen: Xen,
    readonly domain: Domain,
    readonly options: RemusOptions,
    private readonly logger: Logger,
  ) {}

  get active(): boolean {
    return this.#state === "starting" || this.#state === "protecting";
  }

  status(): PrimaryStatus {
    return {
      role: "primary",
      domid: this.domain.domid,
      name: this.domain.name,
      backup: this.options.backupUrl,
      state: this.#state,
      intervalMs: this.options.intervalMs,
      heartbeatMs: this.options.heartbeatMs,
      committed: this.#committed,
      ...(this.#last ? { last: this.#last } : {}),
      totals: { ...this.#totals },
      ...(this.#error ? { error: this.#error } : {}),
    };
  }

  /** Takes and sends the first checkpoint; resolves once the backup committed it. */
  async start(): Promise<void> {
    const d = this.domain;
    if (!d.live || d.privileged || d.suspended || d.awaitingAttach)
      throw errno("EINVAL", `dom${d.domid} cannot be protected (no such running guest)`);
    if (d.logDirty) throw errno("EBUSY", `log-dirty is already on for dom${d.domid} (a migration?)`);
    this.xen.upcall(d, { remusProtect: { backupUrl: this.options.attachUrl, epoch: 0 } });
    this.#heartbeat = setInterval(() => void this.#beat(), Math.max(10, this.options.heartbeatMs / 4));
    this.#heartbeat.unref();
    try {
      await this.#checkpoint();
    } catch (error) {
      this.#end("stopped", (error as Error).message);
      throw error;
    }
    this.#state = "protecting";
    this.#schedule();
  }

  /** The guest stopped for checkpoint `epoch` (remus_suspend): the checkpoint is taken now. */
  onGuestStopped(epoch: number): void {
    const waiting = this.#stopping;
    if (!waiting || epoch !== this.#epoch)
      throw errno("EINVAL", `no Remus checkpoint ${epoch} is waiting for dom${this.domain.domid}`);
    this.#stopping = undefined;
    const data =
      epoch === 1
        ? firstCheckpoint(this.xen, this.domain, this.#sent)
        : nextCheckpoint(this.xen, this.domain, this.#sent);
    // The guest runs again when this hypercall's reply reaches it, right after this.
    const pausedMs = performance.now() - waiting.askedAt;
    this.#totals.pausedMs += pausedMs;
    this.#pausedMs = pausedMs;
    waiting.resolve(data);
  }

  /** Ends protection on request (xl remus --stop, or the domain is going): the backup drops its copy. */
  async stop(reason: string): Promise<void> {
    if (!this.active) return;
    this.#end("stopped", reason);
    if (this.#sessionId) await this.#post(`/${this.#sessionId}/end`).catch(() => undefined);
  }

  /** This hypervisor stops: no more checkpoints or heartbeats, and nothing said to anyone. */
  halt(): void {
    if (!this.active) return;
    this.#state = "stopped";
    this.#error = "the hypervisor stopped";
    clearInterval(this.#heartbeat);
    clearTimeout(this.#timer);
    this.#stopping?.reject(new Error(this.#error));
    this.#stopping = undefined;
  }

  /** The next checkpoint `intervalMs` after the last was taken (not after it was committed). */
  #schedule(): void {
    if (!this.active) return;
    const wait = Math.max(0, this.options.intervalMs - (performance.now() - this.#takenAt));
    this.#timer = setTimeout(() => {
      void this.#checkpoint().then(
        () => this.#schedule(),
        (error: Error) => this.#lost(error),
      );
    }, wait);
  }

  async #checkpoint(): Promise<void> {
    if (!this.domain.live) {
      // It ended here (shut down, destroyed): the backup must not bring it back.
      await this.stop(`dom${this.domain.domid} ended`);
      return;
    }
    const epoch = ++this.#epoch;
    const stopped = new Promise<CheckpointData>((resolve, reject) => {
      this.#stopping = { resolve, reject, askedAt: performance.now() };
    });
    const limit = setTimeout(
      () => this.#stopping?.reject(new Error(`dom${this.domain.domid} did not stop for checkpoint ${epoch}`)),
      GUEST_STOP_LIMIT_MS,
    );
    this.xen.upcall(this.domain, { remusCheckpoint: { epoch } });
    let data: CheckpointData;
    try {
      data = await stopped;
    } finally {
      clearTimeout(limit);
    }
    const sentAt = performance.now();
    this.#takenAt = sentAt;
    const path = epoch === 1 ? `?heartbeatMs=${this.options.heartbeatMs}` : `/${this.#sessionId}`;
    const answer = (await this.#post(path, data.chunks)) as { id?: string; epoch?: number };
    if (epoch === 1) this.#sessionId = answer.id;
    if (answer.epoch !== epoch)
      throw new Error(`the backup committed ${answer.epoch}, not checkpoint ${epoch}`);
    this.#committed = epoch;
    this.#last = {
      epoch,
      pausedMs: round(this.#pausedMs),
      pages: data.pages,
      bytes: data.bytes,
      commitMs: round(performance.now() - sentAt),
    };
    this.#totals.pages += data.pages;
    this.#totals.bytes += data.bytes;
    if (this.domain.live) this.xen.upcall(this.domain, { remusCommitted: { epoch } });
  }

  async #beat(): Promise<void> {
    if (!this.active || this.#busy || !this.#sessionId) return;
    if (Date.now() - this.#lastContact < this.options.heartbeatMs / 4) return;
    await this.#post(`/${this.#sessionId}/heartbeat`).catch((error: Error) => this.#lost(error));
  }

  /** One request to the backup's /api/remus-backup; any failure is the backup lost. */
  async #post(path: string, chunks?: Uint8Array[]): Promise<unknown> {
    const body = chunks ? Buffer.concat(chunks) : undefined;
    const started = Date.now();
    this.#busy = !!chunks;
    try {
      const res = await fetch(`${this.options.backupUrl}/api/remus-backup${path}`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${this.options.backupToken}`,
          "content-type": "application/octet-stream",
        },
        ...(body ? { body } : {}),
        // A backup that is gone refuses at once; this is for one that hangs. Generous: giving up
        // ends protection, and a busy machine is not a dead backup.
        signal: AbortSignal.timeout(Math.max(this.options.heartbeatMs * 4, BACKUP_ANSWER_LIMIT_MS)),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`backup answered ${res.status}: ${text}`);
      this.#lastContact = started;
      return JSON.parse(text) as unknown;
    } finally {
      if (chunks) this.#busy = false;
    }
  }

  /** The backup is gone (or refused): the guest runs on unprotected and releases what it held. */
  #lost(error: Error): void {
    if (!this.active) return;
    this.logger.error({ err: error, domid: this.domain.domid }, "Remus backup lost: protection ended");
    this.#end(this.domain.live ? "backup-lost" : "stopped", error.message);
  }

  #end(state: PrimaryState, why: string): void {
    this.#state = state;
    this.#error = why;
    clearInterval(this.#heartbeat);
    clearTimeout(this.#timer);
    this.#stopping?.reject(new Error(why));
    this.#stopping = undefined;
    this.domain.logDirty = false;
    if (this.domain.live)
      this.xen.upcall(this.domain, { remusProtect: { backupUrl: "", epoch: this.#committed } });
  }
}

const round = (ms: number) => Math.round(ms * 100) / 100;
