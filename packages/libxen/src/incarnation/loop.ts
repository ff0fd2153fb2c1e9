// A domain across its incarnations. Each incarnation joins the hypervisor (joinDomain), applies
// the domain's own faults, attaches its devices and lives until its session is lost (the lease ran
// out while the process was frozen, the domain was destroyed, or a restarted hypervisor refused
// the resume). Then the domain is gone with everything it granted and mapped: the devices are
// abandoned and the next incarnation joins under the same name, with backoff while the hypervisor
// (or, for a frontend, its backend) is away, until the loop is stopped.
import type { XenDomain } from "../domain.js";
import type { XenError } from "../errors.js";
import { SILENT_LOGGER, type XenLogger } from "../logger.js";
import { splitOwnFaults } from "../process-faults.js";
import type { XenSessionOptions } from "../session.js";
import { type BackoffPolicy, backoffDelay, INCARNATION_BACKOFF, pause } from "./backoff.js";
import { isFatalJoinError, joinDomain } from "./join.js";

/** What one incarnation attached: given back on a clean stop, abandoned when the session is lost. */
export interface Attached {
  /** Disconnects cleanly and gives back grants and frames. */
  close(): Promise<void>;
  /** The domain is gone: nothing can be given back, only local state let go. */
  abandon(): void | Promise<void>;
}

export interface Incarnation<A extends Attached> {
  readonly domain: XenDomain;
  readonly attached: A;
  /** Settles when this incarnation's session is lost. */
  readonly lost: Promise<XenError>;
}

export type IncarnationPhase = "join" | "attach";

export interface IncarnationOptions<A extends Attached> {
  /** Who the domain is: url, token, name, logger, memory transport. */
  readonly session: XenSessionOptions;
  /** Attaches the domain's devices; a session lost meanwhile ends the attempt. */
  readonly attach: (domain: XenDomain) => Promise<A>;
  /**
   * XEN_FAULTS, applied after each join ("" applies nothing): crash rules by this process, the
   * rest by the hypervisor on the domain's own session (docs/faults.md).
   */
  readonly faults: string;
  /** Said in logs: "dom0", "guest", … */
  readonly role: string;
  readonly logger?: XenLogger | undefined;
  readonly backoff?: BackoffPolicy | undefined;
  /** Aborted: stop trying; a start that had not succeeded yet rejects with the signal's reason. */
  readonly signal?: AbortSignal | undefined;
  /**
   * A failure of the first incarnation that is the caller's to see rather than to wait out (a
   * wrong token or name always is). Later incarnations retry whatever fails.
   */
  readonly fatal?: ((error: unknown, phase: IncarnationPhase) => boolean) | undefined;
  /** Each incarnation once attached, the first included. */
  readonly onIncarnation?: ((incarnation: Incarnation<A>) => void) | undefined;
}

export class DomainIncarnations<A extends Attached> {
  readonly #options: IncarnationOptions<A>;
  readonly #logger: XenLogger;
  readonly #stop = new AbortController();
  readonly #signal: AbortSignal;
  #current: Incarnation<A> | undefined;
  #lost = false;
  #running: Promise<void> | undefined;

  private constructor(options: IncarnationOptions<A>) {
    this.#options = options;
    this.#logger = options.logger ?? options.session.logger ?? SILENT_LOGGER;
    this.#signal = options.signal ? AbortSignal.any([this.#stop.signal, options.signal]) : this.#stop.signal;
  }

  /** Joins and attaches the first time (waiting out a hypervisor that is away), then keeps the domain. */
  static async start<A extends Attached>(options: IncarnationOptions<A>): Promise<DomainIncarnations<A>> {
    const loop = new DomainIncarnations(options);
    const first = await loop.#retry((error, phase) => isFatal(options, error, phase));
    if (!first) throw loop.#signal.reason;
    loop.#running = loop.#loop(first);
    return loop;
  }

  /** The live incarnation; while the domain joins again, undefined. */
  get current(): Incarnation<A> | undefined {
    return this.#lost ? undefined : this.#current;
  }

  /** The latest incarnation, live or lost. */
  get latest(): Incarnation<A> {
    return this.#current as Incarnation<A>;
  }

  /** Stops joining again; closes the devices unless the session is lost, and leaves. */
  async close(): Promise<void> {
    this.#stop.abort();
    await this.#running;
    const last = this.#current;
    if (!last) return;
    if (!this.#lost) await last.attached.close();
    await last.domain.close();
  }

  async #loop(first: Incarnation<A>): Promise<void> {
    const stopped = new Promise<"stopped">((resolve) => {
      if (this.#signal.aborted) resolve("stopped");
      this.#signal.addEventListener("abort", () => resolve("stopped"), { once: true });
    });
    let incarnation: Incarnation<A> | undefined = first;
    while (incarnation) {
      this.#adopt(incarnation);
      const lost = await Promise.race([incarnation.lost, stopped]);
      if (lost === "stopped") return;
      this.#lost = true;
      const { role } = this.#options;
      this.#logger.error(
        { err: lost, domid: incarnation.domain.domid },
        `${role}'s hypervisor session is lost; joining again`,
      );
      await incarnation.attached.abandon();
      incarnation = await this.#retry(() => false);
      if (incarnation) {
        const { domid } = incarnation.domain;
        this.#logger.info({ domid }, `${role} joined again and attached its devices`);
      }
    }
  }

  #adopt(incarnation: Incarnation<A>): void {
    this.#current = incarnation;
    this.#lost = false;
    this.#options.onIncarnation?.(incarnation);
  }

  /** A new incarnation, tried until one attaches; undefined once stopped. */
  async #retry(
    fatal: (error: unknown, phase: IncarnationPhase) => boolean,
  ): Promise<Incarnation<A> | undefined> {
    const backoff = this.#options.backoff ?? INCARNATION_BACKOFF;
    for (let attempt = 0; !this.#signal.aborted; attempt++) {
      let phase: IncarnationPhase = "join";
      try {
        const domain = await joinDomain(this.#options.session, { signal: this.#signal, backoff });
        phase = "attach";
        return await this.#attach(domain);
      } catch (error) {
        if (this.#signal.aborted) break;
        if (fatal(error, phase)) throw error;
        const retryInMs = backoffDelay(backoff, attempt);
        this.#logger.warn(
          { err: error, retryInMs, backoff: backoff.name },
          `${this.#options.role} could not attach its devices; retrying`,
        );
        await pause(retryInMs, this.#signal);
      }
    }
    return undefined;
  }

  async #attach(domain: XenDomain): Promise<Incarnation<A>> {
    const { faults, attach, role } = this.#options;
    domain.session.on("error", (error) => this.#logger.warn({ err: error }, "hypervisor session error"));
    const lost = new Promise<XenError>((resolve) => domain.session.once("lost", resolve));
    try {
      // Its crash rules the process applies; the rest the hypervisor applies to its session.
      const own = splitOwnFaults(faults);
      if (own.process !== "") {
        domain.session.processFaults.set(own.process);
        this.#logger.warn(
          { domid: domain.domid, faults: own.process },
          `crash faults set on ${role}'s process`,
        );
      }
      if (own.session !== "") {
        await domain.domctl.fault(own.session, domain.domid);
        this.#logger.warn(
          { domid: domain.domid, faults: own.session },
          `faults injected on ${role}'s own session`,
        );
      }
      // A session lost while the devices attach (a frontend waiting for its backend) ends the wait.
      const attached = await Promise.race([attach(domain), lost.then((error) => Promise.reject(error))]);
      return { domain, attached, lost };
    } catch (error) {
      await domain.close();
      throw error;
    }
  }
}

function isFatal<A extends Attached>(
  options: IncarnationOptions<A>,
  error: unknown,
  phase: IncarnationPhase,
): boolean {
  return isFatalJoinError(error) || (options.fatal?.(error, phase) ?? false);
}
