// One device of one guest, seen from the backend: the backend's half of io/xenbus.h, driven by
// a watch on the frontend's directory.
import type { XenDomain } from "@xenfs/libxen";
import type { BackendDriver } from "./drivers.js";
import { backendDir, type DeviceId, frontendDir, XenbusKey } from "./paths.js";
import { SerialPass } from "./serial-pass.js";
import { tolerate } from "./tolerate.js";
import { createDevice } from "./toolstack.js";
import { parseState, XenbusState, xenbusStateName } from "./xenbus-state.js";
import { readKeys, readOptional } from "./xs-read.js";

export class BackendDevice {
  readonly backPath: string;
  readonly frontPath: string;
  readonly #pass: SerialPass;
  #state: XenbusState = XenbusState.Initialising;
  #removed = false;

  constructor(
    private readonly dom0: XenDomain,
    readonly frontendDomid: number,
    readonly id: DeviceId,
    private readonly driver: BackendDriver,
  ) {
    this.backPath = backendDir(dom0.domid, frontendDomid, id);
    this.frontPath = frontendDir(frontendDomid, id);
    this.#pass = new SerialPass(
      () => this.#step(),
      (error) => dom0.session.reportError(error),
    );
  }

  get state(): XenbusState {
    return this.#state;
  }

  /** Creates both directories (the toolstack's part) and starts following the frontend. */
  async create(): Promise<void> {
    await createDevice(this.dom0.xs, {
      backendDomid: this.dom0.domid,
      frontendDomid: this.frontendDomid,
      id: this.id,
      features: this.driver.features(this.frontendDomid),
    });
    await this.dom0.xs.watch(this.frontPath, this.#token(), () => this.#pass.poke());
  }

  /** The guest died or the backend stops: disconnect, and take the backend directory away. */
  async remove(reason: string): Promise<void> {
    this.#removed = true;
    await this.#pass.settled();
    // A device whose creation the guest's death cut short may have no watch and no directory.
    await tolerate(this.dom0.xs.unwatch(this.frontPath, this.#token()));
    if (this.#state === XenbusState.Connected) await this.driver.disconnect(this.frontendDomid, reason);
    this.#state = XenbusState.Closed;
    this.#log.info({ ...this.#where(), reason }, "xenbus backend device removed");
    await tolerate(this.dom0.xs.rm(this.backPath.slice(0, this.backPath.lastIndexOf("/"))));
  }

  async #step(): Promise<void> {
    if (this.#removed) return;
    const frontend = parseState(await readOptional(this.dom0.xs, `${this.frontPath}/${XenbusKey.state}`));
    switch (frontend) {
      case XenbusState.Unknown:
      case XenbusState.Initialising:
        // A new frontend, or one that restarted: offer the device (again).
        await this.#disconnect(`frontend is ${xenbusStateName(frontend)}`);
        if (this.#state !== XenbusState.InitWait) await this.#setState(XenbusState.InitWait);
        return;
      case XenbusState.Initialised:
        if (this.#state === XenbusState.InitWait) await this.#connect();
        return;
      case XenbusState.Closing:
      case XenbusState.Closed:
        await this.#disconnect(`frontend is ${xenbusStateName(frontend)}`);
        if (this.#state !== XenbusState.Closed) await this.#setState(XenbusState.Closed);
        return;
      default:
        // Connected (ours, or an earlier backend's that the frontend has yet to drop): wait.
        return;
    }
  }

  async #connect(): Promise<void> {
    const keys = await readKeys(this.dom0.xs, this.frontPath);
    try {
      await this.driver.connect({ domid: this.frontendDomid, path: this.frontPath, keys });
    } catch (error) {
      // xenbus_dev_fatal: say why where the toolstack looks, and close; a frontend that
      // re-initialises gets another go.
      await this.dom0.xs.write(`${this.backPath}/error`, (error as Error).message);
      await this.#setState(XenbusState.Closed);
      return;
    }
    await this.#setState(XenbusState.Connected);
  }

  async #disconnect(reason: string): Promise<void> {
    if (this.#state !== XenbusState.Connected) return;
    this.#state = XenbusState.Closing;
    await this.driver.disconnect(this.frontendDomid, reason);
  }

  async #setState(state: XenbusState): Promise<void> {
    await this.dom0.xs.write(`${this.backPath}/${XenbusKey.state}`, String(state));
    if (state !== this.#state)
      this.#log.info({ ...this.#where(), state: xenbusStateName(state) }, "xenbus backend state");
    this.#state = state;
  }

  get #log() {
    return this.dom0.session.logger;
  }

  #where(): { guest: number; device: string } {
    return { guest: this.frontendDomid, device: `${this.id.type}/${this.id.devid}` };
  }

  #token(): string {
    return `xenbus-back:${this.id.type}/${this.frontendDomid}/${this.id.devid}`;
  }
}
