// The frontend's xenbus state machine (io/xenbus.h), driven by watches on its own device
// directory and on the backend's: Initialising → (backend InitWait) → Initialised →
// (backend Connected) → Connected. When the backend goes away — its directory removed, or
// anything but InitWait/Connected — the driver is told, the frontend goes back to
// Initialising, and the next backend to reach InitWait gets a fresh handshake.
import type { XenDomain } from "@xenfs/libxen";
import type { FrontendDriver } from "./drivers.js";
import { type DeviceId, frontendDir, XenbusKey } from "./paths.js";
import { SerialPass } from "./serial-pass.js";
import { parseState, XenbusState, xenbusStateName } from "./xenbus-state.js";
import { readKeys, readOptional, readPeer } from "./xs-read.js";

/** How long close() waits for the backend to reach Closed before freeing the ring anyway. */
const CLOSE_WAIT_MS = 2_000;

export class XenbusFrontend {
  readonly #dir: string;
  readonly #pass: SerialPass;
  #state: XenbusState = XenbusState.Initialising;
  #backendPath: string | undefined;
  /** Keys the driver published, removed again when the backend goes. */
  #published: string[] = [];
  #stopped = false;
  /** Suspended: this domid's directory is about to be another domain's (or nobody's). */
  #suspended = false;
  #backendClosed: (() => void) | undefined;

  constructor(
    private readonly domain: XenDomain,
    readonly id: DeviceId,
    private readonly driver: FrontendDriver,
  ) {
    this.#dir = frontendDir(domain.domid, id);
    this.#pass = new SerialPass(
      () => this.#step(),
      (error) => domain.session.reportError(error),
    );
  }

  get state(): XenbusState {
    return this.#state;
  }

  /** Watches the device directory; the handshake runs as the toolstack and backend act. */
  async start(): Promise<void> {
    await this.domain.xs.watch(this.#dir, this.#token("frontend"), () => this.#pass.poke());
  }

  /** Closing → (backend Closed, or gone) → driver.disconnected → Closed. */
  async close(): Promise<void> {
    if (await this.#closeHandshake()) await this.driver.disconnected("frontend closed");
    await this.#setState(XenbusState.Closed);
    await this.#unwatch();
  }

  /**
   * Before the domain suspends, as Linux's xenbus suspends a device: Closing → (backend Closed)
   * → driver.disconnected, then the published keys go and the state is Initialising again, so
   * the backend of whichever host restores the domain offers the device afresh. The watches go
   * too: the restored domain has a new domid, and a new frontend follows its directory.
   */
  async suspend(): Promise<void> {
    await this.#closeHandshake();
    await this.#reset("suspending");
    this.#suspended = true;
    await this.#unwatch();
  }

  /** Stops the state machine; Closing until the backend is Closed (or a while passed). true if connected. */
  async #closeHandshake(): Promise<boolean> {
    this.#stopped = true;
    await this.#pass.settled();
    if (this.#state !== XenbusState.Initialised && this.#state !== XenbusState.Connected) return false;
    const backendClosed = new Promise<void>((resolve) => {
      this.#backendClosed = resolve;
      setTimeout(resolve, CLOSE_WAIT_MS).unref();
    });
    await this.#setState(XenbusState.Closing);
    this.#pass.poke();
    await backendClosed;
    return true;
  }

  async #unwatch(): Promise<void> {
    await this.domain.xs.unwatch(this.#dir, this.#token("frontend"));
    if (this.#backendPath) await this.domain.xs.unwatch(this.#backendPath, this.#token("backend"));
  }

  async #step(): Promise<void> {
    if (this.#suspended) return;
    const xs = this.domain.xs;
    const backendPath = await readOptional(xs, `${this.#dir}/${XenbusKey.backend}`);
    if (backendPath === undefined) return; // the toolstack has not created the device yet
    await this.#follow(backendPath);
    const backend = parseState(await readPeer(xs, `${backendPath}/${XenbusKey.state}`));

    if (this.#stopped) {
      if (backend === XenbusState.Closed || backend === XenbusState.Unknown) this.#backendClosed?.();
      return;
    }
    if (this.#lostBackend(backend)) await this.#reset(`backend is ${xenbusStateName(backend)}`);
    if (this.#state === XenbusState.Initialising && backend === XenbusState.InitWait) {
      // A restored domain's directory names its old domid's backend until the toolstack writes
      // the new one (docs/migration.md#xenfs-frontend): handshake only with a backend for us.
      const frontendId = await readPeer(xs, `${backendPath}/${XenbusKey.frontendId}`);
      if (frontendId !== String(this.domain.domid)) return;
      await this.#initialise(backendPath);
    } else if (this.#state === XenbusState.Initialised && backend === XenbusState.Connected) {
      await this.#setState(XenbusState.Connected);
      await this.driver.connected();
    }
  }

  /** Up (or on the way) with a backend that is no longer InitWait-then-Connected. */
  #lostBackend(backend: XenbusState): boolean {
    if (this.#state === XenbusState.Connected) return backend !== XenbusState.Connected;
    if (this.#state === XenbusState.Initialised)
      return backend !== XenbusState.InitWait && backend !== XenbusState.Connected;
    return false;
  }

  async #initialise(backendPath: string): Promise<void> {
    const xs = this.domain.xs;
    const keys = await readKeys(xs, backendPath);
    const domid = Number(await readOptional(xs, `${this.#dir}/${XenbusKey.backendId}`));
    const published = await this.driver.initialise({ domid, path: backendPath, keys });
    await xs.transaction(async (tx) => {
      for (const [key, value] of Object.entries(published)) await tx.write(`${this.#dir}/${key}`, value);
      await tx.write(`${this.#dir}/${XenbusKey.state}`, String(XenbusState.Initialised));
    });
    this.#published = Object.keys(published);
    this.#entered(XenbusState.Initialised, { backend: domid });
  }

  /** The backend went: the driver drops its ring, the stale keys go, and we wait for the next. */
  async #reset(reason: string): Promise<void> {
    await this.driver.disconnected(reason);
    const stale = this.#published;
    this.#published = [];
    await this.domain.xs.transaction(async (tx) => {
      for (const key of stale) await tx.rm(`${this.#dir}/${key}`);
      await tx.write(`${this.#dir}/${XenbusKey.state}`, String(XenbusState.Initialising));
    });
    this.#entered(XenbusState.Initialising, { reason });
  }

  /** Watches the backend directory named by `backend` (the toolstack may point elsewhere later). */
  async #follow(backendPath: string): Promise<void> {
    if (backendPath === this.#backendPath) return;
    const token = this.#token("backend");
    if (this.#backendPath) await this.domain.xs.unwatch(this.#backendPath, token);
    this.#backendPath = backendPath;
    await this.domain.xs.watch(backendPath, token, () => this.#pass.poke());
  }

  async #setState(state: XenbusState): Promise<void> {
    await this.domain.xs.write(`${this.#dir}/${XenbusKey.state}`, String(state));
    this.#entered(state);
  }

  /** Once per change of state, so a guest's log tells its device's story. */
  #entered(state: XenbusState, why: Record<string, unknown> = {}): void {
    if (state !== this.#state) {
      const device = `${this.id.type}/${this.id.devid}`;
      this.domain.session.logger.info(
        { domid: this.domain.domid, device, state: xenbusStateName(state), ...why },
        "xenbus frontend state",
      );
    }
    this.#state = state;
  }

  #token(what: "frontend" | "backend"): string {
    return `xenbus-front:${this.id.type}/${this.id.devid}:${what}`;
  }
}
