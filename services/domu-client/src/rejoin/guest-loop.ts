// The guest across hypervisor sessions. When the session is lost (its lease ran out while the
// process was frozen, or a restarted hypervisor refused the resume) the domain is gone with its
// device: calls fail with ENOTCONN at once, and the guest joins again — under the same name, once
// the hypervisor has let the old domain go — and mounts whatever dom0 now serves, retrying with
// a capped backoff while the hypervisor or dom0 is away.
import { setTimeout as sleep } from "node:timers/promises";
import { type XenDomain, XenError } from "@xenfs/libxen";
import type { Logger } from "@xenfs/service-kit";
import type { XenfsMount } from "../mount/mount.js";
import { MountError } from "../xenfs.js";
import { CurrentMount } from "./current-mount.js";

export interface GuestLoopOptions {
  readonly join: () => Promise<XenDomain>;
  readonly mount: (domain: XenDomain) => Promise<XenfsMount>;
  /** XEN_FAULTS, injected on the guest's own session after each join ("" injects nothing). */
  readonly faults: string;
  readonly logger: Logger;
}

/** One session's domain and mount. */
interface Generation {
  readonly domain: XenDomain;
  readonly mount: XenfsMount;
  readonly lost: Promise<XenError>;
}

const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 5_000;

export class GuestLoop {
  readonly #stop = new AbortController();
  readonly #stopped = new Promise<"stopped">((resolve) =>
    this.#stop.signal.addEventListener("abort", () => resolve("stopped"), { once: true }),
  );
  readonly #running: Promise<void>;
  #current: Generation;
  #lost = false;

  private constructor(
    private readonly options: GuestLoopOptions,
    first: Generation,
    readonly mounts: CurrentMount,
  ) {
    this.#current = first;
    this.#running = this.#loop();
  }

  /**
   * Joins and mounts the first time. A hypervisor that is not up yet, or that still holds a
   * crashed predecessor's domain of the same name (until its lease runs out), is waited out with
   * backoff: a restarted guest comes up by itself. A refusal waiting cannot cure is the caller's.
   */
  static async start(options: GuestLoopOptions): Promise<GuestLoop> {
    const first = await firstGeneration(options);
    return new GuestLoop(options, first, new CurrentMount(first.mount, first.domain.domid));
  }

  /** Stops rejoining; unmounts (Closing → Closed) unless the session is lost, and leaves. */
  async close(): Promise<void> {
    this.#stop.abort();
    await this.#running;
    if (!this.#lost) await this.#current.mount.unmount();
    await this.#current.domain.close();
  }

  async #loop(): Promise<void> {
    for (;;) {
      const lost = await Promise.race([this.#current.lost, this.#stopped]);
      if (lost === "stopped") return;
      this.#lost = true;
      this.mounts.lose();
      const domid = this.#current.domain.domid;
      this.options.logger.error(
        { err: lost, domid },
        "the guest's hypervisor session is lost; joining again",
      );
      const next = await this.#rejoin();
      if (!next) return;
      this.#current = next;
      this.#lost = false;
      this.mounts.replace(next.mount, next.domain.domid);
    }
  }

  /** A new session with a mounted device, retried until one works; undefined once stopped. */
  async #rejoin(): Promise<Generation | undefined> {
    const signal = this.#stop.signal;
    for (let delay = BACKOFF_MIN_MS; !signal.aborted; delay = Math.min(2 * delay, BACKOFF_MAX_MS)) {
      try {
        const next = await generation(this.options);
        this.options.logger.info({ domid: next.domain.domid }, "guest joined again and mounted XenFS");
        return next;
      } catch (error) {
        if (signal.aborted) break;
        this.options.logger.warn(
          { err: error, retryInMs: delay },
          "guest could not join and mount; retrying",
        );
        await sleep(delay, undefined, { signal }).catch(() => {});
      }
    }
    return undefined;
  }
}

/** Refusals that waiting does not cure: a wrong token or name. */
const FATAL: ReadonlySet<string> = new Set(["EACCES", "EINVAL"]);

async function firstGeneration(options: GuestLoopOptions): Promise<Generation> {
  for (let delay = BACKOFF_MIN_MS; ; delay = Math.min(2 * delay, BACKOFF_MAX_MS)) {
    try {
      return await generation(options);
    } catch (error) {
      // A MountError means the user's XENFS_CONNECT_TIMEOUT_MS ran out: theirs to see.
      if (error instanceof MountError || (error instanceof XenError && FATAL.has(error.code))) throw error;
      options.logger.warn({ err: error, retryInMs: delay }, "guest could not join yet; retrying");
      await sleep(delay);
    }
  }
}

async function generation({ join, mount, faults, logger }: GuestLoopOptions): Promise<Generation> {
  const domain = await join();
  const lost = new Promise<XenError>((resolve) => domain.session.once("lost", resolve));
  try {
    if (faults !== "") {
      await domain.domctl.fault(faults, domain.domid);
      logger.warn({ domid: domain.domid, faults }, "faults injected on the guest's own session");
    }
    // A session lost while the mount waits for dom0 ends the wait: the next session mounts.
    const mounted = await Promise.race([mount(domain), lost.then((error) => Promise.reject(error))]);
    return { domain, mount: mounted, lost };
  } catch (error) {
    await domain.close();
    throw error;
  }
}
