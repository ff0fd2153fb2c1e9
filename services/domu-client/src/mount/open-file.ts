// A file dom0 has open for this guest: its fd on the current connection, and what the data
// path learned about it.
import type { FdRef } from "./remote.js";

/** Where the file's attribute record sits, and which file the record held when opened. */
export interface AttrSlot {
  readonly gref: number;
  readonly index: number;
  readonly generation: number;
}

export class OpenFile implements FdRef {
  /** Next byte `read`/`write` use when given no position. */
  position = 0;
  /** Sequential-read detection: the page after the last one read, and the read-ahead window. */
  nextPage = 0;
  window = 0;
  ino: number | undefined;
  attr: AttrSlot | undefined;
  /** Its file is gone from its path (found on a reopen after a reconnect): every use is ESTALE. */
  stale = false;

  constructor(
    readonly path: string,
    readonly flags: number,
    public fd: number,
    public epoch: number,
  ) {}
}
