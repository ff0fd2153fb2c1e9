// The facade a domain process starts from: one session and the interfaces over it.
import { Domctl } from "./domctl.js";
import { EventChannel } from "./event-channel.js";
import { GrantTable } from "./grant-table.js";
import { Memory } from "./memory.js";
import { checkMemoryReportMs, MemoryReporter } from "./memory-report.js";
import { XenSession, type XenSessionOptions } from "./session.js";
import { XenStoreClient } from "./xenstore.js";

export class XenDomain {
  readonly memory: Memory;
  readonly grants: GrantTable;
  readonly events: EventChannel;
  readonly xs: XenStoreClient;
  readonly domctl: Domctl;
  readonly #memoryReporter: MemoryReporter;

  private constructor(readonly session: XenSession) {
    this.memory = new Memory(session);
    this.grants = new GrantTable(session, this.memory);
    this.events = new EventChannel(session);
    this.xs = new XenStoreClient(session);
    this.domctl = new Domctl(session);
    this.#memoryReporter = new MemoryReporter(session, session.memoryReportMs);
  }

  /** Joins the hypervisor as a new domain (dom0 when given `XEN_DOM0_TOKEN`). */
  static async join(options: XenSessionOptions): Promise<XenDomain> {
    checkMemoryReportMs(options.memoryReportMs);
    return new XenDomain(await XenSession.join(options));
  }

  get domid(): number {
    return this.session.domid;
  }

  close(): Promise<void> {
    this.#memoryReporter.stop();
    return this.session.close();
  }
}
