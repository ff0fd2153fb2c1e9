// Writes in flight: every guest writes small files, one after another, through its admin API
// while the faults happen. A write the guest acknowledged (201/204) is remembered with its
// content; the test later reads each one back through another guest.
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Guest } from "./cluster.js";

/** A request unanswered this long is a hung guest (docs/design.md#failure-model: a guest never hangs for ever). */
export const HANG_MS = 120_000;
const PACE_MS = 200;
const RETRY_MS = 500;

export interface AckedWrite {
  readonly path: string;
  readonly body: string;
  readonly writer: string;
}

export class WriteLoad {
  readonly acked: AckedWrite[] = [];
  /** Writes answered with an error or not at all: expected while a service is down. */
  refused = 0;
  readonly hung: string[] = [];
  /** Per guest, when the last acknowledged write was sent. */
  readonly #lastAckSentAt = new Map<string, number>();
  #running = false;
  #loops: Promise<void>[] = [];

  start(guests: readonly Guest[]): void {
    this.#running = true;
    this.#loops = guests.map((guest) => this.#loop(guest));
  }

  /** Lets the writes in flight finish, then stops. */
  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#loops);
  }

  /** True once every guest has acknowledged a write it sent at or after `sinceMs`. */
  allAckedSince(guests: readonly Guest[], sinceMs: number): boolean {
    return guests.every((g) => (this.#lastAckSentAt.get(g.id) ?? 0) >= sinceMs);
  }

  async #loop(guest: Guest): Promise<void> {
    for (let seq = 1; this.#running; seq++) {
      const path = `write-${guest.id.slice(0, 12)}-${seq}.txt`;
      const body = `${path} ${randomUUID()}\n`;
      const sentAt = Date.now();
      const acked = await this.#put(guest, path, body);
      if (acked) {
        this.acked.push({ path, body, writer: guest.id });
        this.#lastAckSentAt.set(guest.id, sentAt);
      } else this.refused++;
      await sleep(acked ? PACE_MS : RETRY_MS);
    }
  }

  async #put(guest: Guest, path: string, body: string): Promise<boolean> {
    try {
      const response = await fetch(`${guest.url}/fs/${path}`, {
        method: "PUT",
        body,
        signal: AbortSignal.timeout(HANG_MS),
      });
      return response.status === 201 || response.status === 204;
    } catch (error) {
      if ((error as Error).name === "TimeoutError") this.hung.push(`${guest.id.slice(0, 12)} PUT ${path}`);
      return false;
    }
  }
}
