// The backend (in dom0) for one device type. It also plays the toolstack's part for that type:
// every guest — those running at start and each one @introduceDomain announces — gets a device,
// and a guest that @releaseDomain reports gone has its device disconnected and removed.
import type { XenDomain } from "@xenfs/libxen";
import { XS_SPECIAL_WATCH } from "@xenfs/proto";
import { BackendDevice } from "./backend-device.js";
import type { BackendDriver } from "./drivers.js";
import { SerialPass } from "./serial-pass.js";

const LIVE_STATES: ReadonlySet<string> = new Set(["running", "paused"]);

export class XenbusBackend {
  readonly #devices = new Map<number, BackendDevice>();
  readonly #scan: SerialPass;
  #closed = false;

  constructor(
    private readonly dom0: XenDomain,
    readonly type: string,
    private readonly driver: BackendDriver,
    /** One device per guest; its devid. */
    readonly devid = 0,
  ) {
    this.#scan = new SerialPass(
      () => this.#reconcile(),
      (error) => dom0.session.reportError(error),
    );
  }

  /** Watches domains come and go; resolves once every running guest has its device. */
  async start(): Promise<void> {
    const poke = () => this.#scan.poke();
    await this.dom0.xs.watch(XS_SPECIAL_WATCH.introduceDomain, this.#token("introduce"), poke);
    await this.dom0.xs.watch(XS_SPECIAL_WATCH.releaseDomain, this.#token("release"), poke);
    await this.#scan.settled();
  }

  /** Frontend domids with a device, and their backend state. */
  get devices(): ReadonlyMap<number, BackendDevice> {
    return this.#devices;
  }

  /** Disconnects every device and removes the backend directories. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#scan.settled();
    await this.dom0.xs.unwatch(XS_SPECIAL_WATCH.introduceDomain, this.#token("introduce"));
    await this.dom0.xs.unwatch(XS_SPECIAL_WATCH.releaseDomain, this.#token("release"));
    for (const [domid, device] of this.#devices) {
      this.#devices.delete(domid);
      await device.remove("backend closing");
    }
  }

  /** Brings the devices in line with the running guests. */
  async #reconcile(): Promise<void> {
    if (this.#closed) return;
    const domains = await this.dom0.domctl.listDomains();
    const live = new Set(
      domains.filter((d) => d.domid !== this.dom0.domid && LIVE_STATES.has(d.state)).map((d) => d.domid),
    );
    for (const [domid, device] of this.#devices) {
      if (live.has(domid)) continue;
      this.#devices.delete(domid);
      await device.remove(`domain ${domid} is gone`);
    }
    for (const domid of live) {
      if (this.#devices.has(domid)) continue;
      const device = new BackendDevice(this.dom0, domid, { type: this.type, devid: this.devid }, this.driver);
      this.#devices.set(domid, device);
      await device.create().catch((error: unknown) => {
        this.#devices.delete(domid); // tried again on the next introduce or release
        this.dom0.session.reportError(error as Error);
      });
    }
  }

  #token(what: "introduce" | "release"): string {
    return `xenbus-back:${this.type}:${what}`;
  }
}
