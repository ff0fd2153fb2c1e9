// What a split driver plugs into the xenbus state machines (docs/xenfs.md, "xenbus API").

/** The backend's published keys (features), seen by the frontend when the backend is InitWait. */
export interface BackendInfo {
  readonly domid: number;
  readonly path: string;
  readonly keys: Record<string, string>;
}

/** The frontend's published keys (`ring-ref`, `event-channel`, …), seen when it is Initialised. */
export interface FrontendInfo {
  readonly domid: number;
  readonly path: string;
  readonly keys: Record<string, string>;
}

export interface FrontendDriver {
  /** The backend is InitWait: set up the ring and return the keys to publish. */
  initialise(backend: BackendInfo): Promise<Record<string, string>>;
  /** Both ends are Connected. */
  connected(): void | Promise<void>;
  /** The backend went away (or the frontend is closing): drop the ring; a new backend may come. */
  disconnected(reason: string): void | Promise<void>;
}

export interface BackendDriver {
  /** Feature keys, published before the backend goes InitWait. */
  features(frontendDomid: number): Record<string, string>;
  /** The frontend is Initialised: map its ring, bind its port. */
  connect(frontend: FrontendInfo): Promise<void>;
  /** The frontend closed or died: unmap, unbind. */
  disconnect(frontendDomid: number, reason: string): Promise<void>;
}
