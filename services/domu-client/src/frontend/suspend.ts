// The XenFS frontend across a suspend — xl save/restore or xl migrate (docs/migration.md#xenfs-frontend).
// Before: mmaps written back and unmapped, requests on the ring answered (new ones wait), the
// device closed with this host's dom0 and reset to Initialising. After the process attached to
// the restored domain (a new domid, perhaps another host): a new xenbus frontend on the new
// device directory handshakes with whichever dom0 serves it there; the request client re-sends
// what waited, files reopen by path on first use, and mmaps are mapped again.
import type { XenDomain } from "@xenfs/libxen";
import { type DeviceId, XenbusFrontend } from "@xenfs/xenbus";
import type { Mapper } from "../mount/mmap/mapper.js";
import type { GatedDataPath } from "./data-gate.js";
import type { XenfsFrontendDriver } from "./driver.js";
import type { RequestClient } from "./request-client.js";

/** How long a suspend waits for the requests on the ring to be answered before it goes anyway. */
const QUIESCE_MS = 3_000;

/** What the guest saw of its moves: the figure a user of a migrating guest cares about. */
export interface MoveFigures {
  /** Suspends this mount went through (saves and migrations). */
  readonly suspends: number;
  /** The last one: from the suspend request to connected again on the restored domain, ms. */
  readonly lastDowntimeMs: number | null;
  /** The longest any request waited for its answer since the last suspend began, ms. */
  readonly longestStallMs: number;
}

export interface SuspendableDeviceParts {
  readonly domain: XenDomain;
  readonly id: DeviceId;
  readonly driver: XenfsFrontendDriver;
  readonly client: RequestClient;
  readonly mapper: Mapper;
  /** Reads from mapped frames: held across the move. */
  readonly data: GatedDataPath;
  /** Resolves once what the data path held of the old backend (mapped pages) is dropped. */
  readonly dropped: () => Promise<void>;
}

export class SuspendableDevice {
  #frontend: XenbusFrontend;
  #closed = false;
  #suspends = 0;
  #suspendedAt = 0;
  #lastDowntimeMs: number | null = null;
  /** The last resume's wait for the backend, while it has not connected: a suspend drops it. */
  #onConnected: ((backend: number) => void) | undefined;

  constructor(private readonly parts: SuspendableDeviceParts) {
    this.#frontend = new XenbusFrontend(parts.domain, parts.id, parts.driver);
    parts.domain.onSuspend(() => this.#suspend());
    parts.domain.onResume(() => this.#resume());
  }

  /** The current domain's frontend (a new one after each resume). */
  get frontend(): XenbusFrontend {
    return this.#frontend;
  }

  get figures(): MoveFigures {
    return {
      suspends: this.#suspends,
      lastDowntimeMs: this.#lastDowntimeMs,
      longestStallMs: Math.round(this.parts.client.longestStallMs),
    };
  }

  /** Unmounted: the domain's hooks (which stay registered) do nothing from now on. */
  close(): void {
    this.#closed = true;
  }

  async #suspend(): Promise<void> {
    if (this.#closed) return;
    const { client, mapper, domain, driver } = this.parts;
    // Moving again before the last move's backend connected: that handshake is over, and its
    // mappings are not mapped again then (the next resume's connection does it, once).
    if (this.#onConnected) driver.off("connected", this.#onConnected);
    this.#onConnected = undefined;
    this.#suspends += 1;
    this.#suspendedAt = performance.now();
    client.resetLongestStall();
    try {
      // Reads copying from dom0's frames finish first (their ring requests still flow).
      await this.parts.data.hold(QUIESCE_MS);
      await mapper.suspend();
      if (!(await client.quiesce(QUIESCE_MS)))
        domain.session.logger.warn(
          { domid: domain.domid },
          "xenfs requests still unanswered at suspend: re-issued after the move",
        );
      await this.#frontend.suspend();
      await this.parts.dropped();
    } catch (error) {
      // The domain does not suspend (libxen reports why): reads must not wait for a move.
      this.parts.data.resume();
      throw error;
    }
  }

  async #resume(): Promise<void> {
    if (this.#closed) return;
    const { domain, driver, mapper } = this.parts;
    // This move's start: a next suspend may begin before the mappings are back.
    const suspendedAt = this.#suspendedAt;
    this.#onConnected = (backend) => {
      this.#onConnected = undefined;
      this.parts.data.resume();
      void mapper.resume().then(() => {
        this.#lastDowntimeMs = Math.round(performance.now() - suspendedAt);
        domain.session.logger.info(
          { domid: domain.domid, backend, downtimeMs: this.#lastDowntimeMs },
          "xenfs frontend connected again after the move",
        );
      });
    };
    driver.once("connected", this.#onConnected);
    // Not awaited past start(): the handshake needs the new host's dom0, and the calls this
    // process kept while suspended go out only after the resume hooks.
    this.#frontend = new XenbusFrontend(domain, this.parts.id, driver);
    await this.#frontend.start();
  }
}
