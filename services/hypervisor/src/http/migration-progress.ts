// What this host has sent and received of saves and migrations, as they go, for the dashboard and
// `xl migrate`'s progress bar (GET /api/migrations; GET /api/migrate/<domid> for one of them).
// docs/migration.md#progress
import type { RoundReport } from "../domain/migrate.js";

/** One domain leaving this host: a live migration, or an xl save. */
export interface Departure {
  readonly domid: number;
  readonly name: string;
  readonly kind: "migrate" | "save";
  /** The target's hypercall URL (a migration). */
  readonly target?: string;
  readonly startedAt: string;
  /** Frames the domain owned when it started: round 0's size. */
  readonly frames: number;
  state: "pre-copy" | "suspended" | "sent" | "failed";
  readonly rounds: RoundReport[];
  /** Octets of the image sent so far. */
  bytes: number;
  /** From the suspend request to the image's end: the part of the guest's downtime this host sees. */
  suspendedMs?: number;
  totalMs?: number;
  error?: string;
}

/** One domain restored here (xl restore, or the target end of a migration). */
export interface Arrival {
  domid: number;
  name: string;
  readonly receivedAt: string;
  bytes: number;
  state: "receiving" | "awaiting process" | "running" | "refused" | "gone";
  /** From the image's end to its process attaching: the part of the downtime this host sees. */
  attachedAfterMs?: number;
  error?: string;
}

const KEPT = 16;

function keep<T>(list: T[], item: T): T {
  list.push(item);
  if (list.length > KEPT) list.shift();
  return item;
}

export class MigrationProgress {
  readonly departures: Departure[] = [];
  readonly arrivals: Arrival[] = [];

  depart(record: Omit<Departure, "state" | "rounds" | "bytes" | "startedAt">): Departure {
    return keep(this.departures, {
      ...record,
      startedAt: new Date().toISOString(),
      state: record.kind === "save" ? "suspended" : "pre-copy",
      rounds: [],
      bytes: 0,
    });
  }

  arrive(): Arrival {
    return keep(this.arrivals, {
      domid: -1,
      name: "",
      receivedAt: new Date().toISOString(),
      bytes: 0,
      state: "receiving",
    });
  }

  /** The latest departure of the domain that had `domid` here. */
  departure(domid: number): Departure | undefined {
    return this.departures.findLast((d) => d.domid === domid);
  }

  view() {
    return { departures: this.departures, arrivals: this.arrivals };
  }
}
