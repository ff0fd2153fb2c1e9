// What a guest's requests see of the export: the export itself (shared and copy mode) or the
// guest's overlay over it (cow mode, overlay/). The ops are written against this.
import type { DirEntry, ExportFs, ExportStatFs, FileStat } from "../export/index.js";

export interface GuestFs {
  stat(path: string): Promise<FileStat>;
  lstat(path: string): Promise<FileStat>;
  /** The whole listing, sorted by name. */
  readdir(path: string): Promise<{ readonly entries: readonly DirEntry[] }>;
  readlink(path: string): Promise<string>;
  symlink(target: string, path: string): Promise<void>;
  mkdir(path: string, mode?: number): Promise<void>;
  rmdir(path: string): Promise<void>;
  unlink(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
  truncate(path: string, size: number): Promise<void>;
  create(path: string, mode: number, options: { readonly exclusive: boolean }): Promise<FileStat>;
  statfs(): Promise<ExportStatFs>;
  open: ExportFs["open"];
  close(domid: number, id: number): Promise<void>;
  read(domid: number, id: number, position: number, length: number): Promise<Uint8Array>;
  write(domid: number, id: number, position: number, data: Uint8Array): Promise<number>;
  fstat(domid: number, id: number): Promise<FileStat>;
  ftruncate(domid: number, id: number, size: number): Promise<void>;
  sync(domid: number, id: number): Promise<void>;
  closeGuest(domid: number): Promise<number>;
}
