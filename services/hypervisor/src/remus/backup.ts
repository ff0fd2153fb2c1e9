// The backup's side of Remus (docs/remus.md#failover): it keeps the last committed checkpoint of
// a protected domain (CheckpointReceiver) and watches the primary's heartbeat — any checkpoint or
// heartbeat request from it. When none has come for `heartbeatMs`, the primary is taken for dead
// and the domain is activated here from its last committed checkpoint: restored as `xl restore`
// restores an image, paused until its guest process attaches with its session key, and told
// (remus_failover, right after the attach) which epoch it runs from.
import { randomBytes } from "node:crypto";
import type { Logger } from "@xenfs/service-kit";
import type { Domain } from "../domain/domain.js";
import { restoreDomain } from "../domain/restore.js";
import { newDomain } from "../session/handshake.js";
import type { Xen } from "../xen.js";
import { CheckpointReceiver } from "./receiver.js";

const ATTACH_POLL_MS = 2;

export type BackupState = "receiving" | "activated" | "ended" | "failed";

export interface BackupStatus {
  readonly role: "backup";
  readonly id: string;
  readonly name: string | undefined;
  readonly primaryDomid: number | undefined;
  readonly state: BackupState;
  readonly committed: number;
  readonly heartbeatMs: number;
  /** Checkpoints refused (torn or malformed) and discarded. */
  readonly discarded: number;
  /** Octets of the committed image held here: the domain's memory while receiving, 0 once the pair ended. */
  readonly heldBytes: number;
  /** After a failover: the activated domain, and ms from the last word of the primary to it. */
  readonly activated?: { domid: number; epoch: number; silentMs: number };
  readonly error?: string;
}

export class RemusBackup {
  readonly id = randomBytes(8).toString("hex");
  readonly receiver = new CheckpointReceiver();
  #state: BackupState = "receiving";
  #lastHeard = Date.now();
  #discarded = 0;
  #activated: BackupStatus["activated"];
  #error: string | undefined;
  readonly #watchdog: NodeJS.Timeout;

  constructor(
    private readonly xen: Xen,
    readonly heartbeatMs: number,
    private readonly logger: Logger,
  ) {
    this.#watchdog = setInterval(() => this.#watch(), Math.max(5, heartbeatMs / 5));
    this.#watchdog.unref();
  }

  get state(): BackupState {
    return this.#state;
  }

  status(): BackupStatus {
    const domain = this.receiver.domain;
    return {
      role: "backup",
      id: this.id,
      name: domain?.name,
      primaryDomid: domain?.domid,
      state: this.#state,
      committed: this.receiver.epoch,
      heartbeatMs: this.heartbeatMs,
      discarded: this.#discarded,
      heldBytes: this.receiver.heldBytes,
      ...(this.#activated ? { activated: this.#activated } : {}),
      ...(this.#error ? { error: this.#error } : {}),
    };
  }

  /** The primary spoke (a heartbeat, or a checkpoint's first octets). */
  heard(): void {
    this.#lastHeard = Date.now();
  }

  /** A checkpoint's octets: committed (its epoch returned) or discarded (throws StreamError). */
  commit(chunks: Uint8Array[]): number {
    this.heard();
    try {
      return this.receiver.commit(chunks);
    } catch (error) {
      this.#discarded++;
      this.logger.warn(
        { err: error, id: this.id, committed: this.receiver.epoch },
        "Remus checkpoint discarded",
      );
      throw error;
    }
  }

  /** The primary ended protection itself: nothing is activated. */
  end(): void {
    if (this.#state !== "receiving") return;
    this.#state = "ended";
    clearInterval(this.#watchdog);
    this.receiver.discard();
  }

  #watch(): void {
    if (this.#state !== "receiving") return;
    const silentMs = Date.now() - this.#lastHeard;
    if (silentMs > this.heartbeatMs) void this.failover(silentMs);
  }

  /** Activates the domain from the last committed checkpoint. */
  async failover(silentMs: number): Promise<Domain | undefined> {
    if (this.#state !== "receiving") return undefined;
    clearInterval(this.#watchdog);
    const image = this.receiver.image;
    const epoch = this.receiver.epoch;
    // Whatever comes of it, the copy is not needed after: restored into frames, or given up.
    this.receiver.discard();
    if (!image) {
      this.#state = "failed";
      this.#error = "the primary went before its first checkpoint was committed";
      this.logger.error({ id: this.id }, this.#error);
      return undefined;
    }
    this.#state = "activated";
    try {
      const domain = await restoreDomain(this.xen, image, (domid, name, key, maxFrames) =>
        newDomain(this.xen, domid, name, key, maxFrames),
      );
      this.#tellOnAttach(domain, epoch);
      this.#activated = { domid: domain.domid, epoch, silentMs };
      this.logger.warn(
        { id: this.id, domid: domain.domid, name: domain.name, epoch, silentMs },
        "Remus failover: primary silent, domain activated from its last committed checkpoint",
      );
      return domain;
    } catch (error) {
      this.#state = "failed";
      this.#error = (error as Error).message;
      this.logger.error({ err: error, id: this.id }, "Remus failover failed");
      return undefined;
    }
  }

  /**
   * remus_failover goes to the process that attaches, once it has: an attach starts the
   * domain's session afresh, so nothing can be queued for it before.
   */
  #tellOnAttach(domain: Domain, epoch: number): void {
    const poll = setInterval(() => {
      if (!domain.live) clearInterval(poll);
      else if (!domain.awaitingAttach && domain.link.connected) {
        clearInterval(poll);
        domain.link.upcall({ remusFailover: { epoch } });
      }
    }, ATTACH_POLL_MS);
    poll.unref();
  }

  close(): void {
    clearInterval(this.#watchdog);
    if (this.#state === "receiving") this.#state = "ended";
    this.receiver.discard();
  }
}
