// The facade a domain process starts from: one session and the interfaces over it.

import type { XenmemPurpose } from "@xenfs/proto";
import { Balloon } from "./balloon.js";
import { Domctl } from "./domctl.js";
import { EventChannel } from "./event-channel.js";
import { GrantTable } from "./grant-table.js";
import { memAnnotate } from "./mem-annotate.js";
import { MemSharing } from "./mem-sharing.js";
import { Memory } from "./memory.js";
import { checkMemoryReportMs, MemoryReporter } from "./memory-report.js";
import { RemusOutputs } from "./remus.js";
import { XenSession, type XenSessionOptions } from "./session.js";
import { type MemoryTransport, SharedMemory } from "./shared-memory.js";
import { TraceSpans } from "./trace-spans.js";
import { XenStoreClient } from "./xenstore.js";
import { XsHypercallTransport } from "./xs-hypercall.js";

/** Relative to the domain's home path, so the watch follows it to a restored domain's new one. */
const CONTROL_SHUTDOWN = "control/shutdown";
const CONTROL_ATTACH_URL = "control/attach-url";

export type SuspendHook = () => Promise<void> | void;

export class XenDomain {
  readonly memory: Memory;
  readonly grants: GrantTable;
  readonly events: EventChannel;
  readonly xs: XenStoreClient;
  readonly domctl: Domctl;
  /** XENMEM_sharing_op (dom0 only). */
  readonly sharing: MemSharing;
  /** Spans this domain measures for the trace feed, sent only while someone traces. */
  readonly trace: TraceSpans;
  /** Remus: checkpoints and output commit (docs/remus.md). */
  readonly remus: RemusOutputs;
  readonly #memoryReporter: MemoryReporter;
  readonly #suspendHooks: SuspendHook[] = [];
  readonly #resumeHooks: SuspendHook[] = [];
  #suspending = false;

  private constructor(
    readonly session: XenSession,
    shm: SharedMemory | undefined,
  ) {
    this.memory = new Memory(session, shm);
    this.grants = new GrantTable(session, this.memory);
    this.events = new EventChannel(session);
    this.xs = new XenStoreClient(new XsHypercallTransport(session));
    this.domctl = new Domctl(session);
    this.sharing = new MemSharing(session);
    this.trace = new TraceSpans(session);
    this.remus = new RemusOutputs(session, this.memory);
    session.once("lost", () => this.memory.close());
    this.#memoryReporter = new MemoryReporter(session, session.memoryReportMs);
    session.onAttach(async () => {
      await this.memory.reattach(session.memoryPlace);
      await this.xs.rewatch();
      for (const hook of this.#resumeHooks) await hook();
      this.#suspending = false;
      // A suspend asked for while the hooks ran was seen (the watch fired) and let pass then:
      // the toolstack may save the restored domain as soon as it runs.
      void this.#onShutdownRequest();
    });
  }

  /**
   * Watches `control/shutdown` as a PV guest's kernel does, and suspends when the toolstack
   * writes `suspend` there: the request is acknowledged (the key emptied), the suspend hooks run
   * (frontends disconnect), then SCHEDOP_shutdown(SHUTDOWN_suspend). After the domain is restored
   * and this process attached, the resume hooks run (frontends reconnect). docs/migration.md#suspend
   */
  async enableSuspend(): Promise<void> {
    await this.xs.watch(CONTROL_SHUTDOWN, "xenfs-suspend", () => void this.#onShutdownRequest());
  }

  /** Runs before the domain suspends (a frontend disconnects). */
  onSuspend(hook: SuspendHook): void {
    this.#suspendHooks.push(hook);
  }

  /** Runs after the process attached to its restored domain (a frontend reconnects). */
  onResume(hook: SuspendHook): void {
    this.#resumeHooks.push(hook);
  }

  async #onShutdownRequest(): Promise<void> {
    if (this.#suspending) return;
    const request = await this.xs.read(CONTROL_SHUTDOWN).catch(() => "");
    if (request !== "suspend" || this.#suspending) return;
    this.#suspending = true;
    try {
      // Migrating: the toolstack names the target hypervisor the restored domain will be on.
      const target = await this.xs.read(CONTROL_ATTACH_URL).catch(() => "");
      await this.xs.write(CONTROL_SHUTDOWN, "");
      for (const hook of this.#suspendHooks) await hook();
      this.memory.hold();
      await this.session.suspend(target || undefined);
    } catch (error) {
      this.#suspending = false;
      this.session.reportError(error as Error);
    }
  }

  /** Joins the hypervisor as a new domain (dom0 when given `XEN_DOM0_TOKEN`). */
  static async join(options: XenSessionOptions): Promise<XenDomain> {
    checkMemoryReportMs(options.memoryReportMs);
    const session = await XenSession.join(options);
    try {
      return new XenDomain(session, await openMemory(session, options.memoryTransport ?? "shm"));
    } catch (error) {
      await session.close();
      throw error;
    }
  }

  get domid(): number {
    return this.session.domid;
  }

  /** How this domain reaches machine memory. */
  get memoryTransport(): MemoryTransport {
    return this.memory.transport;
  }

  /** Starts the balloon driver: the domain follows memory/target (xl mem-set) from now on. */
  balloon(): Promise<Balloon> {
    return Balloon.start(this.session, this.memory, this.xs);
  }

  /** mem_annotate: says what these of its RAM frames are for (the frame map shows it). */
  annotate(gpfns: readonly number[], purpose: XenmemPurpose): Promise<void> {
    return memAnnotate(this.session, gpfns, purpose);
  }

  async close(): Promise<void> {
    this.#memoryReporter.stop();
    await this.session.close();
    this.memory.close();
  }
}

/**
 * The shm transport when asked for and the memory file can be opened here (another host or a
 * container without the volume cannot): then the hypervisor is told, so it sends no frame
 * updates. Otherwise the socket transport, said once in the log.
 */
async function openMemory(session: XenSession, wanted: MemoryTransport): Promise<SharedMemory | undefined> {
  if (wanted === "socket") return undefined;
  const place = session.memoryPlace;
  let shm: SharedMemory;
  try {
    if (!place) throw new Error("the hypervisor named no memory file");
    shm = SharedMemory.open(place);
  } catch (error) {
    session.logger.warn(
      { domid: session.domid, path: place?.path, err: error },
      "cannot open the machine-memory file; using the socket memory transport",
    );
    return undefined;
  }
  try {
    await session.call({ memTransport: { transport: "shm" } });
  } catch (error) {
    shm.close();
    throw error;
  }
  return shm;
}
