// The XenFS FrontendDriver for XenbusFrontend({ type: "xenfs", devid: 0 }): on each backend
// (a restarted dom0 is a new one) it makes a fresh ring, publishes ring-ref, event-channel and
// mode, and hands the ring to the request client, which re-issues what was in flight.
import { EventEmitter } from "node:events";
import {
  type FsRequest,
  type FsResponse,
  fsifRing,
  XENFS_FEATURE_ON,
  XENFS_MODE_FEATURE,
  XenfsKey,
} from "@xenfs/fsproto";
import type { XenDomain } from "@xenfs/libxen";
import { type BackendInfo, type FrontendDriver, RingFront } from "@xenfs/xenbus";
import type { XenfsMode } from "./modes.js";
import type { RequestClient } from "./request-client.js";

export interface XenfsFrontendEvents {
  connected: [backendDomid: number];
  disconnected: [reason: string];
}

export class XenfsFrontendDriver extends EventEmitter<XenfsFrontendEvents> implements FrontendDriver {
  #ring: RingFront<FsRequest, FsResponse> | undefined;
  #backendDomid = 0;

  constructor(
    private readonly domain: XenDomain,
    private readonly client: RequestClient,
    readonly mode: XenfsMode,
  ) {
    super();
  }

  async initialise(backend: BackendInfo): Promise<Record<string, string>> {
    const feature = XENFS_MODE_FEATURE[this.mode];
    if (backend.keys[feature] !== XENFS_FEATURE_ON)
      throw new Error(`backend ${backend.path} lacks ${feature}`);
    await this.#destroyRing();
    const ring = await RingFront.create<FsRequest, FsResponse>(this.domain, backend.domid, fsifRing);
    this.#ring = ring;
    this.#backendDomid = backend.domid;
    this.client.attach(ring);
    return { ...ring.keys(), [XenfsKey.mode]: this.mode };
  }

  connected(): void {
    this.client.connected();
    this.emit("connected", this.#backendDomid);
  }

  async disconnected(reason: string): Promise<void> {
    this.client.detach();
    this.emit("disconnected", reason);
    await this.#destroyRing();
  }

  async #destroyRing(): Promise<void> {
    const ring = this.#ring;
    this.#ring = undefined;
    await ring?.destroy();
  }
}
