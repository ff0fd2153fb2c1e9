// blkback: the BackendDriver for `vbd` devices. One raw image file, read-only or writable, offered
// to every guest the XenbusBackend gives a device; a writable image is connected to one guest at
// a time (the next is refused with the reason in its backend's `error` key). docs/blkif.md.
import type { XenDomain } from "@xenfs/libxen";
import { BLKIF_KEY, BLKIF_SECTOR_SIZE, blkifRingOfOrder, VDISK, XEN_IO_PROTO_ABI_NATIVE } from "@xenfs/proto";
import type { Logger } from "@xenfs/service-kit";
import {
  type BackendDriver,
  type FrontendInfo,
  parseRingKeys,
  RingBack,
  XenbusError,
  XenbusKey,
} from "@xenfs/xenbus";
import { VbdImage } from "./image.js";
import { ImageClaims } from "./image-claims.js";
import { SegmentGrants } from "./segment-grants.js";
import { VbdSession } from "./vbd-session.js";

export interface BlkbackOptions {
  /** The raw disk image (XENFS_VBD_IMAGE). */
  readonly image: string;
  /** Serve it read-only (`mode` r, VDISK_READONLY): then any number of guests may attach it. */
  readonly readonly: boolean;
  /** `max-ring-page-order`; default 4 (16 pages, 512 requests), as Linux blkback. */
  readonly maxRingPageOrder?: number;
  /** `feature-max-indirect-segments`; default 256, Linux blkback's MAX_INDIRECT_SEGMENTS. */
  readonly maxIndirectSegments?: number;
  /** Offer `feature-persistent`; default true. */
  readonly persistent?: boolean;
  /** Who holds which image; one per dom0 process by default. */
  readonly claims?: ImageClaims;
}

export interface VbdGuestView {
  readonly domid: number;
  readonly persistent: boolean;
  /** Grant maps and unmaps issued for this guest's data and indirect pages so far. */
  readonly grantMaps: number;
  readonly grantUnmaps: number;
  /** Grants kept mapped (persistent). */
  readonly kept: number;
  readonly answered: { readonly okay: number; readonly error: number; readonly eopnotsupp: number };
  readonly indirect: number;
}

const DOM0_CLAIMS = new ImageClaims();

export class BlkbackDriver implements BackendDriver {
  readonly #sessions = new Map<number, VbdSession>();
  readonly #claims: ImageClaims;
  readonly #maxRingPageOrder: number;
  readonly #maxIndirectSegments: number;
  readonly #persistent: boolean;

  private constructor(
    private readonly dom0: XenDomain,
    readonly image: VbdImage,
    private readonly log: Logger,
    options: BlkbackOptions,
  ) {
    this.#claims = options.claims ?? DOM0_CLAIMS;
    this.#maxRingPageOrder = options.maxRingPageOrder ?? 4;
    this.#maxIndirectSegments = options.maxIndirectSegments ?? 256;
    this.#persistent = options.persistent ?? true;
  }

  /** Opens and checks the image first: a missing or truncated image is a VbdError here, not later. */
  static async open(dom0: XenDomain, options: BlkbackOptions, log: Logger): Promise<BlkbackDriver> {
    const image = await VbdImage.open(options.image, options.readonly);
    log.info({ image: image.path, sectors: image.sectors, readonly: image.readonly }, "vbd image opened");
    return new BlkbackDriver(dom0, image, log, options);
  }

  features(): Record<string, string> {
    const { readonly, sectors } = this.image;
    return {
      [BLKIF_KEY.sectorSize]: String(BLKIF_SECTOR_SIZE),
      [BLKIF_KEY.sectors]: String(sectors),
      [BLKIF_KEY.info]: String(readonly ? VDISK.READONLY : 0),
      [BLKIF_KEY.mode]: readonly ? "r" : "w",
      [BLKIF_KEY.featureFlushCache]: readonly ? "0" : "1",
      [BLKIF_KEY.featureBarrier]: "0",
      [BLKIF_KEY.featureDiscard]: "0",
      [BLKIF_KEY.featurePersistent]: this.#persistent ? "1" : "0",
      [BLKIF_KEY.featureMaxIndirectSegments]: String(this.#maxIndirectSegments),
      [XenbusKey.maxRingPageOrder]: String(this.#maxRingPageOrder),
    };
  }

  async connect(frontend: FrontendInfo): Promise<void> {
    const { domid, keys } = frontend;
    await this.disconnect(domid, "frontend reconnected");
    const protocol = keys[BLKIF_KEY.protocol];
    if (protocol !== undefined && protocol !== XEN_IO_PROTO_ABI_NATIVE)
      throw new XenbusError(
        "EPROTO",
        `frontend ${domid} speaks blkif protocol ${protocol}, not ${XEN_IO_PROTO_ABI_NATIVE}`,
      );
    const { order, ringRefs, port } = parseRingKeys(frontend, this.#maxRingPageOrder);
    this.#claims.claim(this.image.path, domid, this.image.readonly);
    try {
      const ring = await RingBack.attach(this.dom0, domid, ringRefs, port, blkifRingOfOrder(order));
      const persistent = this.#persistent && keys[BLKIF_KEY.featurePersistent] === "1";
      const grants = new SegmentGrants(this.dom0, domid, persistent);
      const log = this.log.child({ guest: domid, device: "vbd" });
      const session = new VbdSession(
        domid,
        this.dom0,
        ring,
        this.image,
        grants,
        this.#maxIndirectSegments,
        log,
      );
      this.#sessions.set(domid, session);
      session.start();
      log.info({ order, persistent, image: this.image.path }, "vbd frontend connected");
    } catch (error) {
      this.#claims.release(this.image.path, domid);
      throw error;
    }
  }

  async disconnect(frontendDomid: number, reason: string): Promise<void> {
    const session = this.#sessions.get(frontendDomid);
    if (!session) return;
    this.#sessions.delete(frontendDomid);
    await session.close();
    this.#claims.release(this.image.path, frontendDomid);
    this.log.info({ guest: frontendDomid, reason }, "vbd frontend disconnected");
  }

  guests(): VbdGuestView[] {
    return [...this.#sessions.values()].map((s) => ({
      domid: s.domid,
      persistent: s.grants.persistent,
      grantMaps: s.grants.maps,
      grantUnmaps: s.grants.unmaps,
      kept: s.grants.kept,
      answered: { ...s.answered },
      indirect: s.indirect,
    }));
  }

  /** Disconnects every guest and closes the image (after the XenbusBackend has closed). */
  async close(): Promise<void> {
    for (const domid of [...this.#sessions.keys()]) await this.disconnect(domid, "backend closing");
    await this.image.close();
  }
}
