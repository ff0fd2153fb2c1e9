// How file data reaches the guest: shared page-cache frames (shared, and cow, whose writes dom0
// keeps in the guest's overlay) or copies into the guest's own frames (copy). The mount is
// written against this.
import type { OpenFile } from "./open-file.js";
import type { OpenResult } from "./remote.js";

export interface DataPath {
  readonly mode: "shared" | "copy" | "cow";
  /** Frames holding file data in this guest: mapped (shared) or its own (copy). */
  readonly pagesHeld: number;
  /** A file was opened (or reopened): learn what the data path needs of it. */
  opened(file: OpenFile, open: OpenResult): Promise<void>;
  /** A file is being closed. */
  closed(file: OpenFile): Promise<void>;
  /** The file's current size. */
  size(file: OpenFile): Promise<number>;
  /** Reads into `target` from `position`; fewer bytes at end of file. */
  read(file: OpenFile, target: Uint8Array, position: number): Promise<number>;
  /** Writes `data` at `position` its own way; undefined: through the copy path (Remote.write). */
  readonly write?: ((file: OpenFile, data: Uint8Array, position: number) => Promise<number>) | undefined;
  /** Whether an open file is still the one its path names and unchanged enough to reuse. */
  reusable(file: OpenFile): boolean;
  /** The backend went away: everything learned from it is void. */
  reset(): Promise<void>;
  close(): Promise<void>;
}
