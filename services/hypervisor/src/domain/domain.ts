// A domain: identity, lifecycle state, reservation, p2m, grant table, maptrack, event
// channels, the link to its session (which outlives any one WebSocket) and its XenStore
// connection.
import type { DomainStateName } from "@xenfs/proto";
import type { XsConnection } from "@xenfs/xenstored";
import { EventChannels } from "../event-channel/ports.js";
import { GrantTable } from "../grant-table/grant-table.js";
import { Maptrack } from "../grant-table/maptrack.js";
import type { Frame } from "../memory/frame-pool.js";
import { P2m } from "../memory/p2m.js";
import type { MemoryReport } from "../memory/report.js";
import type { DomainLink } from "./link.js";

export type MemoryTransport = "shm" | "socket";

export type DomainState = Exclude<DomainStateName, "dead">;

export class Domain {
  state: DomainState = "running";
  readonly p2m = new P2m();
  readonly grantTable = new GrantTable();
  readonly maptrack = new Maptrack();
  readonly evtchn = new EventChannels();
  /** Frames this domain owns (RAM and grant-table frames); a zombie's are the still-mapped ones. */
  readonly owned = new Set<Frame>();
  xs: XsConnection | undefined;
  /** How the domain reaches machine memory: in place ("shm") or by mem_read/mem_write ("socket"). */
  transport: MemoryTransport = "socket";
  leaseTimer: NodeJS.Timeout | undefined;
  /** It called SCHEDOP_shutdown(SHUTDOWN_suspend): paused, its state ready to be saved. */
  suspended = false;
  /** Restored from an image: paused until its guest process attaches (docs/migration.md#attach). */
  awaitingAttach = false;
  /** Called once, as its process attaches (the migration record notes it then). */
  onAttach: (() => void) | undefined;
  /** XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY is on: dom0 peeks and cleans its dirtied frames. */
  logDirty = false;
  /** The process's own Rss/Pss, as it last reported them (memory_report). */
  memoryReport: MemoryReport | undefined;
  /** Hypercalls served and event sends made (in all, and by receiving domid), since it joined. */
  readonly counts = { hypercalls: 0, evtchnSends: 0, sendsTo: new Map<number, number>() };

  constructor(
    readonly domid: number,
    readonly name: string,
    readonly sessionKey: Uint8Array,
    public maxFrames: number,
    readonly link: DomainLink,
  ) {}

  get privileged(): boolean {
    return this.domid === 0;
  }

  get live(): boolean {
    return this.state === "running" || this.state === "paused";
  }

  /** Frames of other domains this domain has mapped. */
  get sharedPages(): number {
    return this.maptrack.size;
  }
}
