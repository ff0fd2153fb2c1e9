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
  #pageFlip = false;

  constructor(
    private readonly domain: XenDomain,
    private readonly client: RequestClient,
    readonly mode: XenfsMode,
    /** Copy mode: ask for page flipping where the backend offers it (docs/xenfs.md "Page flipping"). */
    private readonly wantPageFlip = false,
  ) {
    super();
  }

  /** Whether the current backend agreed to page flipping (it offered feature-page-flip). */
  get pageFlip(): boolean {
    return this.#pageFlip;
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
    // A backend without the feature is served by copy, as netfront falls back when rx-copy is absent.
    this.#pageFlip = this.wantPageFlip && backend.keys[XenfsKey.featurePageFlip] === XENFS_FEATURE_ON;
    const flip = this.#pageFlip ? { [XenfsKey.requestPageFlip]: XENFS_FEATURE_ON } : {};
    return { ...ring.keys(), [XenfsKey.mode]: this.mode, ...flip };
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
