// The balloon driver (Linux's drivers/xen/balloon.c, in small): it watches the domain's
// memory/target in XenStore (KiB, written by `xl mem-set`) and moves the domain's reservation
// towards it — populate_physmap when the target is above what the domain has, decrease_reservation
// when below. Like Linux it can only give back pages nobody uses: here, the frames it populated
// itself (its spare pool). Frames the domain's own code populated stay; the driver then stops short
// of the target and says so (`shortBy`). Growth stops at the ceiling (xl mem-max). docs/observing.md.
import { DOMID } from "@xenfs/proto";
import type { Memory } from "./memory.js";
import type { XenSession } from "./session.js";
import type { XenStoreClient } from "./xenstore.js";

const KB_PER_FRAME = 4;
const TARGET = "memory/target";
const TOKEN = "balloon";

export interface BalloonStatus {
  /** memory/target in frames; undefined until the toolstack writes one. */
  readonly targetFrames: number | undefined;
  /** The domain's frames (XENMEM_current_reservation) after the last adjustment. */
  readonly currentFrames: number;
  /** Frames the balloon populated and can give back. */
  readonly spare: number;
  /** How far above the target the domain stays because its frames are in use (0 when met). */
  readonly shortBy: number;
}

export class Balloon {
  readonly #spare: number[] = [];
  #status: BalloonStatus = { targetFrames: undefined, currentFrames: 0, spare: 0, shortBy: 0 };
  #running: Promise<void> = Promise.resolve();
  readonly #listeners = new Set<(status: BalloonStatus) => void>();

  private constructor(
    private readonly session: XenSession,
    private readonly memory: Memory,
    private readonly xs: XenStoreClient,
  ) {}

  /** Starts watching memory/target; the watch fires once at once, as XenStore watches do. */
  static async start(session: XenSession, memory: Memory, xs: XenStoreClient): Promise<Balloon> {
    const balloon = new Balloon(session, memory, xs);
    await xs.watch(TARGET, TOKEN, () => balloon.#schedule());
    return balloon;
  }

  get status(): BalloonStatus {
    return this.#status;
  }

  /** Called after every adjustment (tests and tools wait on it). */
  onAdjusted(listener: (status: BalloonStatus) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async stop(): Promise<void> {
    await this.xs.unwatch(TARGET, TOKEN).catch(() => undefined);
    await this.#running;
  }

  /** One adjustment at a time, in order: a later target waits for the one in progress. */
  #schedule(): void {
    this.#running = this.#running
      .then(() => this.#adjust())
      .catch((error: unknown) => {
        this.session.logger.warn({ err: error, domid: this.session.domid }, "balloon: adjustment failed");
      });
  }

  async #adjust(): Promise<void> {
    const text = await this.xs.read(TARGET).catch(() => undefined);
    const kb = text === undefined ? Number.NaN : Number(text);
    if (!Number.isSafeInteger(kb) || kb < 0) return; // no target yet, or not a number: leave it
    const targetFrames = Math.floor(kb / KB_PER_FRAME);
    let { currentFrames, maxFrames } = await this.#reservation();
    if (targetFrames > currentFrames) {
      const n = Math.min(targetFrames, maxFrames) - currentFrames;
      if (n > 0) this.#spare.push(...(await this.memory.populatePhysmap(n)));
    } else if (targetFrames < currentFrames) {
      const give = this.#spare.splice(Math.max(0, this.#spare.length - (currentFrames - targetFrames)));
      if (give.length > 0) await this.memory.decreaseReservation(give);
    }
    ({ currentFrames } = await this.#reservation());
    this.#status = {
      targetFrames,
      currentFrames,
      spare: this.#spare.length,
      shortBy: Math.max(0, currentFrames - targetFrames),
    };
    this.session.logger.info({ domid: this.session.domid, ...this.#status }, "balloon: adjusted");
    for (const listener of this.#listeners) listener(this.#status);
  }

  async #reservation(): Promise<{ currentFrames: number; maxFrames: number }> {
    const reply = await this.session.call({ memReservation: { domid: DOMID.SELF } });
    return {
      currentFrames: reply.memReservation?.currentFrames ?? 0,
      maxFrames: reply.memReservation?.maxFrames ?? 0,
    };
  }
}
