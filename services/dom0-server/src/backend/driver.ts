// The XenFS BackendDriver for XenbusBackend: per guest, its ring mapped and a session serving it.
import { FSIF_RING_PAGE_ORDER, type FsOp, fsifRing, XENFS_FEATURE_ON, XenfsKey } from "@xenfs/fsproto";
import type { Logger } from "@xenfs/service-kit";
import { type BackendDriver, type FrontendInfo, parseRingKeys, RingBack, XenbusKey } from "@xenfs/xenbus";
import type { Dom0Services } from "./context.js";
import { GuestFlips } from "./flip/guest-flips.js";
import { GuestPages } from "./guest-pages.js";
import { GuestSession } from "./guest-session.js";

export interface GuestView {
  readonly domid: number;
  readonly openFiles: number;
  /** Grants dom0 holds out to this guest: page-cache frames and attribute pages. */
  readonly grants: number;
}

export class XenfsBackendDriver implements BackendDriver {
  readonly #guests = new Map<number, GuestSession>();

  constructor(
    private readonly host: Dom0Services,
    private readonly log: Logger,
    private readonly onRequest: (op: FsOp | "undecodable") => void = () => {},
  ) {}

  features(): Record<string, string> {
    return {
      [XenfsKey.featureSharedPages]: XENFS_FEATURE_ON,
      [XenfsKey.featureCopy]: XENFS_FEATURE_ON,
      [XenfsKey.featureCow]: XENFS_FEATURE_ON,
      [XenfsKey.featurePageFlip]: XENFS_FEATURE_ON,
      [XenbusKey.maxRingPageOrder]: String(FSIF_RING_PAGE_ORDER),
      [XenfsKey.exportPages]: String(this.host.cache.budgetFrames),
    };
  }

  async connect(frontend: FrontendInfo): Promise<void> {
    const { domid } = frontend;
    await this.disconnect(domid, "frontend reconnected");
    const { ringRefs, port } = parseRingKeys(frontend, FSIF_RING_PAGE_ORDER);
    const { dom0 } = this.host;
    const ring = await RingBack.attach(dom0, domid, ringRefs, port, fsifRing);
    const pages = await GuestPages.create(dom0, domid).catch(async (error: unknown) => {
      await ring.destroy();
      throw error;
    });
    const name = await dom0.xs.read(`/local/domain/${domid}/name`).catch(async (error: unknown) => {
      await Promise.allSettled([pages.close(), ring.destroy()]);
      throw error;
    });
    const mode = frontend.keys[XenfsKey.mode] ?? "shared";
    // cow: the guest's requests see its own overlay over the export, found by its name.
    const overlay =
      mode === "cow"
        ? await this.host.overlays.forGuest(name).catch(async (error: unknown) => {
            await Promise.allSettled([pages.close(), ring.destroy()]);
            throw error;
          })
        : undefined;
    // Page flipping is a copy-mode matter: other modes' reads do not go through the guest's pages.
    const flip = mode === "copy" && frontend.keys[XenfsKey.requestPageFlip] === XENFS_FEATURE_ON;
    const flips = flip ? new GuestFlips(dom0, domid) : undefined;
    const log = this.log.child({ guest: domid });
    const session = new GuestSession(
      domid,
      name,
      ring,
      pages,
      this.host,
      log,
      this.onRequest,
      overlay,
      flips,
    );
    this.#guests.set(domid, session);
    session.start();
    log.info({ mode, pageFlip: flip }, "xenfs frontend connected");
  }

  async disconnect(frontendDomid: number, reason: string): Promise<void> {
    const session = this.#guests.get(frontendDomid);
    if (session === undefined) return;
    this.#guests.delete(frontendDomid);
    await session.close();
    this.log.info({ guest: frontendDomid, reason }, "xenfs frontend disconnected");
  }

  /** dom0's domain is gone, and every ring and grant with it: only the guests' files are left to close. */
  async abandon(): Promise<void> {
    const sessions = [...this.#guests.values()];
    this.#guests.clear();
    await Promise.all(sessions.map((session) => session.abandon()));
  }

  guests(): GuestView[] {
    return [...this.#guests.values()].map((session) => ({
      domid: session.domid,
      openFiles: session.files.size,
      grants: this.host.cache.grantsOf(session.domid) + this.host.attrs.grantsOf(session.domid),
    }));
  }
}
