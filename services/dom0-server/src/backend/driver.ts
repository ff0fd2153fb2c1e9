// The XenFS BackendDriver for XenbusBackend: per guest, its ring mapped and a session serving it.
import type { FsOp } from "@xenfs/fsproto";
import type { Logger } from "@xenfs/service-kit";
import { type BackendDriver, type FrontendInfo, RingBack, XenbusError, XenbusKey } from "@xenfs/xenbus";
import type { Dom0Services } from "./context.js";
import { GuestPages } from "./guest-pages.js";
import { GuestSession } from "./guest-session.js";
import { xenfsRing } from "./ring-types.js";

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
      "feature-shared-pages": "1",
      "feature-copy": "1",
      "max-ring-page-order": "0",
      "export-pages": String(this.host.cache.budgetFrames),
    };
  }

  async connect(frontend: FrontendInfo): Promise<void> {
    const { domid } = frontend;
    await this.disconnect(domid, "frontend reconnected");
    const ringRef = numberKey(frontend, XenbusKey.ringRef);
    const port = numberKey(frontend, XenbusKey.eventChannel);
    const { dom0 } = this.host;
    const ring = await RingBack.attach(dom0, domid, ringRef, port, xenfsRing);
    const pages = await GuestPages.create(dom0, domid).catch(async (error: unknown) => {
      await ring.destroy();
      throw error;
    });
    const name = await dom0.xs.read(`/local/domain/${domid}/name`).catch(async (error: unknown) => {
      await Promise.allSettled([pages.close(), ring.destroy()]);
      throw error;
    });
    const log = this.log.child({ guest: domid });
    const session = new GuestSession(domid, name, ring, pages, this.host, log, this.onRequest);
    this.#guests.set(domid, session);
    session.start();
    const { mode = "shared" } = frontend.keys;
    log.info({ mode }, "xenfs frontend connected");
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

function numberKey(frontend: FrontendInfo, key: string): number {
  const text = frontend.keys[key];
  if (text === undefined || !/^\d{1,10}$/.test(text) || Number(text) > 0xffffffff) {
    throw new XenbusError("EPROTO", `frontend ${frontend.domid} published ${key}=${JSON.stringify(text)}`);
  }
  return Number(text);
}
