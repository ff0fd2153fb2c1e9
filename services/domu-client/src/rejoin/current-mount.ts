// The mount of the guest's current hypervisor session. The HTTP routes and the workload run their
// fs calls through it, so after a rejoin they use the new mount; while the session is lost every
// call, in flight or new, fails at once with ENOTCONN instead of waiting on a dead domain.
import { FsError } from "@xenfs/fsproto";
import type { GuestMount, GuestMountSnapshot } from "../guest-mount.js";

/** Runs fs calls on whichever mount is current. */
export interface MountSource {
  use<T>(op: (fs: GuestMount) => Promise<T>): Promise<T>;
}

/** One session's mount, and the news that the session is lost. */
class SessionMount {
  #lost = false;
  readonly #lostSignal: Promise<never>;
  #reject: (error: FsError) => void = () => {};

  constructor(
    readonly mount: GuestMount,
    /** Changes when the domain is restored or migrated (the same session, a new domid). */
    public domid: number,
  ) {
    this.#lostSignal = new Promise<never>((_, reject) => {
      this.#reject = reject;
    });
    this.#lostSignal.catch(() => {}); // nobody may be waiting when it is lost
  }

  get lost(): boolean {
    return this.#lost;
  }

  lose(): void {
    this.#lost = true;
    this.#reject(new FsError("ENOTCONN"));
  }

  /** `op`'s outcome, or ENOTCONN as soon as the session is lost. */
  async run<T>(op: (fs: GuestMount) => Promise<T>): Promise<T> {
    if (this.lost) throw new FsError("ENOTCONN");
    try {
      return await Promise.race([op(this.mount), this.#lostSignal]);
    } catch (error) {
      // However the dead domain made it fail (a hypercall's XenError, say), the cause is the loss.
      if (this.lost) throw new FsError("ENOTCONN");
      throw error;
    }
  }
}

export class CurrentMount implements MountSource {
  #current: SessionMount;

  constructor(mount: GuestMount, domid: number) {
    this.#current = new SessionMount(mount, domid);
  }

  /** The latest mount: while the session is lost, the lost one (every call fails, ENOTCONN). */
  get mount(): GuestMount {
    return this.#current.mount;
  }

  /** The latest domain's id: while the session is lost, the lost domain's. */
  get domid(): number {
    return this.#current.domid;
  }

  /** The device's xenbus state, or `Rejoining` while the session is lost. */
  get state(): string {
    return this.#current.lost ? "Rejoining" : this.#current.mount.state;
  }

  get connected(): boolean {
    return this.state === "Connected";
  }

  /** What the mounts have done (the counters are the process's), and what the current one holds. */
  snapshot(): GuestMountSnapshot {
    const snapshot = this.#current.mount.snapshot();
    return this.#current.lost ? { ...snapshot, state: this.state, pagesHeld: 0 } : snapshot;
  }

  use<T>(op: (fs: GuestMount) => Promise<T>): Promise<T> {
    return this.#current.run(op);
  }

  /** The session is lost: calls fail with ENOTCONN until `replace`; the old mount is abandoned. */
  lose(): void {
    this.#current.lose();
    this.#current.mount.abandon();
  }

  /** The same session's domain, restored (xl restore, xl migrate) under a new domid. */
  moved(domid: number): void {
    this.#current.domid = domid;
  }

  /** A rejoined session's mount. */
  replace(mount: GuestMount, domid: number): void {
    this.#current = new SessionMount(mount, domid);
  }
}
