// dom0 across hypervisor sessions. When the session is lost (its lease ran out, or a restarted
// hypervisor refused the resume) the domain is gone with everything it granted and mapped, so
// dom0 joins again and serves anew on the new domain; guests' frontends reconnect through xenbus.
import { setTimeout as sleep } from "node:timers/promises";
import type { XenDomain, XenError } from "@xenfs/libxen";
import type { Logger } from "@xenfs/service-kit";
import type { XenfsServing } from "./serving.js";

export interface ServingLoopOptions {
  /** Joins as dom0, waiting out a hypervisor that is away; rejects once `signal` aborts. */
  readonly join: (signal: AbortSignal) => Promise<XenDomain>;
  readonly serve: (dom0: XenDomain) => Promise<XenfsServing>;
  /** XEN_FAULTS, injected on dom0's own session after each join ("" injects nothing). */
  readonly faults: string;
  readonly logger: Logger;
}

/** One session's dom0 and what it serves. */
interface Generation {
  readonly dom0: XenDomain;
  readonly serving: XenfsServing;
  readonly lost: Promise<XenError>;
}

/** Pause before trying again when a new session joined but could not serve. */
const SERVE_RETRY_MS = 1_000;

export class ServingLoop {
  readonly #stop = new AbortController();
  readonly #stopped = new Promise<"stopped">((resolve) =>
    this.#stop.signal.addEventListener("abort", () => resolve("stopped"), { once: true }),
  );
  #current: Generation | undefined;
  #running: Promise<void> | undefined;

  constructor(private readonly options: ServingLoopOptions) {}

  /** What dom0 serves now; undefined while it rejoins. */
  get serving(): XenfsServing | undefined {
    return this.#current?.serving;
  }

  /** Joins and serves the first time; a failure here is the caller's to report. */
  async start(): Promise<void> {
    const first = await this.#generation();
    this.#running = this.#loop(first);
  }

  /** Stops rejoining, disconnects every guest cleanly and leaves the hypervisor. */
  async close(): Promise<void> {
    this.#stop.abort();
    await this.#running;
    const generation = this.#current;
    this.#current = undefined;
    if (!generation) return;
    await generation.serving.close();
    await generation.dom0.close();
  }

  async #loop(first: Generation): Promise<void> {
    let generation: Generation | undefined = first;
    while (generation) {
      this.#current = generation;
      const lost = await Promise.race([generation.lost, this.#stopped]);
      if (lost === "stopped") return;
      this.#current = undefined;
      this.options.logger.error({ err: lost }, "dom0's hypervisor session is lost; joining again");
      await generation.serving.abandon();
      generation = await this.#rejoin();
    }
  }

  /** A new generation, retried until one serves; undefined once stopped. */
  async #rejoin(): Promise<Generation | undefined> {
    while (!this.#stop.signal.aborted) {
      try {
        const generation = await this.#generation();
        this.options.logger.info({ domid: generation.dom0.domid }, "dom0 joined again and serves XenFS");
        return generation;
      } catch (error) {
        if (this.#stop.signal.aborted) break;
        this.options.logger.warn({ err: error, retryInMs: SERVE_RETRY_MS }, "dom0 could not serve; retrying");
        await sleep(SERVE_RETRY_MS, undefined, { signal: this.#stop.signal }).catch(() => {});
      }
    }
    return undefined;
  }

  async #generation(): Promise<Generation> {
    const { join, serve, faults, logger } = this.options;
    const dom0 = await join(this.#stop.signal);
    dom0.session.on("error", (error) => logger.warn({ err: error }, "hypervisor session error"));
    const lost = new Promise<XenError>((resolve) => dom0.session.once("lost", resolve));
    try {
      if (faults !== "") {
        await dom0.domctl.fault(faults, dom0.domid);
        logger.warn({ faults }, "faults injected on dom0's own session");
      }
      return { dom0, serving: await serve(dom0), lost };
    } catch (error) {
      await dom0.close();
      throw error;
    }
  }
}
