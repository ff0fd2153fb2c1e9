import { ExportError } from "./errors.js";
import { requireInteger } from "./validate.js";

/** Anything the table can close when its guest goes away. */
export interface Closable {
  close(): Promise<void>;
}

/** DOMID_FIRST_RESERVED (xen.h): ids from here on are Xen's own (DOMID_SELF, …), never a domain. */
const DOMID_FIRST_RESERVED = 0x7ff0;

/** A guest's files by id; `undefined` marks an id reserved by an open still in flight. */
type GuestFiles<T> = Map<number, T | undefined>;

/**
 * The open-file table of every guest: ids per domain, at most `maxPerGuest` open at once (EMFILE),
 * and close-all when a guest goes away. Ids count up from 1 across the table and are never reused,
 * not even for a domid that comes back, so a stale id (a request re-sent after a reconnect, an open
 * that finishes after its guest died) gets EBADF rather than someone else's file.
 */
export class OpenFileTable<T extends Closable> {
  readonly #guests = new Map<number, GuestFiles<T>>();
  #nextId = 1;
  readonly maxPerGuest: number;

  constructor(maxPerGuest: number) {
    this.maxPerGuest = requireInteger(maxPerGuest, "maxPerGuest", 1, 1 << 20, {
      syscall: "OpenFileTable",
      path: "",
    });
  }

  /** Take an id before opening, so a guest at its limit is refused before anything touches the disk. */
  reserve(domid: number, syscall: string, path: string): number {
    requireInteger(domid, "domid", 0, DOMID_FIRST_RESERVED - 1, { syscall, path });
    let files = this.#guests.get(domid);
    if (files === undefined) {
      files = new Map();
      this.#guests.set(domid, files);
    }
    if (files.size >= this.maxPerGuest) {
      throw new ExportError("EMFILE", {
        syscall,
        path,
        reason: `domain ${domid} has ${this.maxPerGuest} files open, the most it may`,
      });
    }
    const id = this.#nextId;
    this.#nextId += 1;
    files.set(id, undefined);
    return id;
  }

  /** Attach the opened file to its reserved id; if the guest went away meanwhile, close it and refuse. */
  async fill(domid: number, id: number, file: T, syscall: string, path: string): Promise<void> {
    const files = this.#guests.get(domid);
    if (files?.has(id) === true && files.get(id) === undefined) {
      files.set(id, file);
      return;
    }
    await file.close();
    throw new ExportError("EBADF", { syscall, path, reason: `domain ${domid} went away during the open` });
  }

  /** Give back an id whose open failed. */
  cancel(domid: number, id: number): void {
    const files = this.#guests.get(domid);
    if (files?.get(id) === undefined) files?.delete(id);
  }

  /** The file open as `id` for `domid`, or EBADF. */
  get(domid: number, id: number, syscall: string): T {
    const file = this.#guests.get(domid)?.get(id);
    if (file === undefined) throw badId(domid, id, syscall);
    return file;
  }

  /** Remove `id` from the table and hand its file to the caller to close. */
  take(domid: number, id: number, syscall: string): T {
    const file = this.get(domid, id, syscall);
    this.#guests.get(domid)?.delete(id);
    return file;
  }

  /** How many files `domid` holds open (reservations included). */
  count(domid: number): number {
    return this.#guests.get(domid)?.size ?? 0;
  }

  /**
   * Close every file of a guest that went away; returns how many. A failing close is not
   * reported: every acknowledged write was already synced, and the descriptor is released anyway.
   */
  async closeGuest(domid: number): Promise<number> {
    const files = this.#guests.get(domid);
    this.#guests.delete(domid);
    const open = [...(files?.values() ?? [])].filter((file) => file !== undefined);
    await Promise.allSettled(open.map((file) => file.close()));
    return open.length;
  }
}

function badId(domid: number, id: number, syscall: string): ExportError {
  return new ExportError("EBADF", {
    syscall,
    path: "",
    reason: `no open file ${String(id)} for domain ${domid}`,
  });
}
