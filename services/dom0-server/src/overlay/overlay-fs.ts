// One cow guest's view of the export (docs/xenfs.md "cow mode"): the export as a read-only base
// and the guest's own upper directory over it, with overlayfs's rules. A name is the upper's
// when the upper has it, else the base's unless a whiteout or an opaque directory on its way
// hides it. Anything that changes a name or a file copies it up first, as overlayfs does; a file
// comes up page-granular (sparse-file.ts): its unchanged pages stay the base's. The base is only
// ever read.
import { realpath } from "node:fs/promises";
import { decodeOpenFlags, isOpenFlags, O, O_ACCMODE, OPEN_FLAGS, type OpenFlags } from "@xenfs/fsproto";
import type { GuestFs } from "../backend/guest-fs.js";
import {
  type DirEntry,
  ExportError,
  type ExportFs,
  type ExportStatFs,
  type FileStat,
  identityKey,
  parseGuestPath,
  resolveEntry,
} from "../export/index.js";
import { PAGE_SIZE, type PageReader } from "../page-cache/index.js";
import { copyUp } from "./copy-up.js";
import { baseIdentity, loadRecord, type PageRecord, recordPathOf, removeRecord } from "./page-record.js";
import { SparseFile } from "./sparse-file.js";
import { isReserved, OPAQUE_MARKER, refuseReserved, whitedOut, whiteoutOf } from "./whiteout.js";

/** What a path names in each layer: the upper's entry, and the base's when the base still shows. */
export interface Probe {
  readonly upper?: FileStat | undefined;
  readonly base?: FileStat | undefined;
}

interface OpenId {
  readonly layer: ExportFs;
  readonly id: number;
  /** A page-granular upper file: reads and writes go through it. */
  readonly sparse?: SparseFile | undefined;
  readonly append: boolean;
}

/** Where an open file's pages come from, for map_pages (docs/xenfs.md#cow-mode). */
export interface PageLayout {
  /** The base file's page-cache key and a reader of its bytes. */
  readonly baseInode: string;
  readonly readBase: PageReader;
  /** Whether page `index` is the base's (unchanged): its cache frame is the base inode's. */
  fromBase(index: number): boolean;
}

export class OverlayFs implements GuestFs {
  readonly #open = new Map<string, OpenId>();
  #nextId = 1;
  /** Changed-pages records of upper files, by the upper inode's identity: one per file. */
  readonly #records = new Map<string, Promise<PageRecord | undefined>>();

  constructor(
    /** The export: read, never written. */
    readonly base: ExportFs,
    /** The guest's upper directory, as an export of its own (confined the same way). */
    readonly upper: ExportFs,
  ) {}

  // --- lookup ----------------------------------------------------------------------------------

  /** Where `path` lives: walks it component by component, as overlayfs's lookup does. */
  async probe(path: string, syscall = "lookup"): Promise<Probe> {
    const names = parseGuestPath(path, syscall);
    let baseShows = true;
    for (let i = 0; i < names.length; i++) {
      const dir = names.slice(0, i).join("/");
      const here = names.slice(0, i + 1).join("/");
      const upper = await entryOf(this.upper, here);
      if (baseShows && (await entryOf(this.upper, join(dir, whiteoutOf(names[i] as string))))) {
        baseShows = false;
      }
      const base = baseShows && !upper ? await entryOf(this.base, here) : undefined;
      if (i === names.length - 1) {
        return { upper, base: baseShows ? (upper ? await entryOf(this.base, here) : base) : undefined };
      }
      if (upper?.type === "symlink") return { upper: await entryOf(this.upper, path) }; // the upper's link
      if (upper && upper.type !== "dir") {
        throw new ExportError("ENOTDIR", { syscall, path, reason: "not a directory" });
      }
      if (upper) {
        if (await entryOf(this.upper, join(here, OPAQUE_MARKER))) baseShows = false;
        continue;
      }
      if (!base) throw new ExportError("ENOENT", { syscall, path, reason: "no such file or directory" });
      if (base.type === "symlink") return { base: await entryOf(this.base, path) };
      if (base.type !== "dir") throw new ExportError("ENOTDIR", { syscall, path, reason: "not a directory" });
    }
    // The root: both layers' roots.
    return { upper: await this.upper.lstat(""), base: await this.base.lstat("") };
  }

  async #existing(path: string, syscall: string): Promise<Probe & { readonly entry: FileStat }> {
    const found = await this.probe(path, syscall);
    const entry = found.upper ?? found.base;
    if (!entry) throw new ExportError("ENOENT", { syscall, path, reason: "no such file or directory" });
    return { ...found, entry };
  }

  #layerOf(found: Probe): ExportFs {
    return found.upper ? this.upper : this.base;
  }

  // --- by path ---------------------------------------------------------------------------------

  async stat(path: string): Promise<FileStat> {
    return this.#layerOf(await this.#existing(path, "stat")).stat(path);
  }

  async lstat(path: string): Promise<FileStat> {
    return (await this.#existing(path, "lstat")).entry;
  }

  /** The merged listing: the upper's names, then the base's that no whiteout hides. */
  async readdir(path: string): Promise<{ readonly entries: readonly DirEntry[] }> {
    const found = await this.#existing(path, "readdir");
    if (found.entry.type === "symlink") return this.#layerOf(found).readdir(path);
    if (found.entry.type !== "dir") {
      throw new ExportError("ENOTDIR", { syscall: "readdir", path, reason: "not a directory" });
    }
    const names = new Map<string, DirEntry>();
    const hidden = new Set<string>();
    let opaque = false;
    if (found.upper) {
      for (const entry of (await this.upper.readdir(path)).entries) {
        if (entry.name === OPAQUE_MARKER) opaque = true;
        const gone = whitedOut(entry.name);
        if (gone !== undefined) hidden.add(gone);
        if (!isReserved(entry.name)) names.set(entry.name, entry);
      }
    }
    if (found.base?.type === "dir" && !opaque) {
      for (const entry of (await this.base.readdir(path)).entries) {
        if (!names.has(entry.name) && !hidden.has(entry.name)) names.set(entry.name, entry);
      }
    }
    return { entries: [...names.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) };
  }

  async readlink(path: string): Promise<string> {
    return this.#layerOf(await this.#existing(path, "readlink")).readlink(path);
  }

  async symlink(target: string, path: string): Promise<void> {
    await this.#makeName(path, "symlink", () => this.upper.symlink(target, path));
  }

  async mkdir(path: string, mode = 0o777): Promise<void> {
    await this.#makeName(path, "mkdir", () => this.upper.mkdir(path, mode), true);
  }

  async create(path: string, mode: number, options: { readonly exclusive: boolean }): Promise<FileStat> {
    const found = await this.probe(path, "create");
    const entry = found.upper ?? found.base;
    if (entry && !options.exclusive) return this.#layerOf(found).stat(path);
    let made: FileStat | undefined;
    await this.#makeName(path, "create", async () => {
      made = await this.upper.create(path, mode, options);
    });
    return made as FileStat;
  }

  async unlink(path: string): Promise<void> {
    const found = await this.#existing(path, "unlink");
    if (found.entry.type === "dir") {
      throw new ExportError("EISDIR", { syscall: "unlink", path, reason: "is a directory" });
    }
    await this.#remove(path, found);
  }

  async rmdir(path: string): Promise<void> {
    const found = await this.#existing(path, "rmdir");
    if (found.entry.type !== "dir") {
      throw new ExportError("ENOTDIR", { syscall: "rmdir", path, reason: "not a directory" });
    }
    if ((await this.readdir(path)).entries.length > 0) {
      throw new ExportError("ENOTEMPTY", { syscall: "rmdir", path, reason: "directory not empty" });
    }
    await this.#remove(path, found);
  }

  /**
   * As overlayfs without redirect_dir: a directory the base has is not renamed (EXDEV; `mv`
   * copies it instead). A file is copied up, renamed in the upper, and whited out where it was.
   */
  async rename(from: string, to: string): Promise<void> {
    refuseReserved(lastName(to), "rename", to);
    // As rename(2): both directories first, then the source, then the two paths' relation.
    await this.#directoryOf(from, "rename");
    await this.#directoryOf(to, "rename");
    const source = await this.#existing(from, "rename");
    const [fromNames, toNames] = [parseGuestPath(from, "rename"), parseGuestPath(to, "rename")];
    if (fromNames.join("/") === toNames.join("/")) return;
    if (isBelow(toNames, fromNames)) {
      throw new ExportError("EINVAL", { syscall: "rename", path: to, reason: "a directory into itself" });
    }
    if (isBelow(fromNames, toNames)) {
      throw new ExportError("ENOTEMPTY", { syscall: "rename", path: to, reason: "directory not empty" });
    }
    if (source.entry.type === "dir" && (await this.#mergesBase(from, source))) {
      throw new ExportError("EXDEV", {
        syscall: "rename",
        path: from,
        reason: "a base directory is not renamed",
      });
    }
    const target = await this.probe(to, "rename");
    const replaced = target.upper ?? target.base;
    if (replaced) {
      if (source.entry.type === "dir" && replaced.type !== "dir") {
        throw new ExportError("ENOTDIR", { syscall: "rename", path: to, reason: "not a directory" });
      }
      if (source.entry.type !== "dir" && replaced.type === "dir") {
        throw new ExportError("EISDIR", { syscall: "rename", path: to, reason: "is a directory" });
      }
      if (replaced.type === "dir" && (await this.readdir(to)).entries.length > 0) {
        throw new ExportError("ENOTEMPTY", { syscall: "rename", path: to, reason: "directory not empty" });
      }
    }
    // A full copy-up: the record names no base path, and the base's file stays where it was.
    await copyUp(this, from, { whole: true });
    if (source.entry.type === "file") await this.#withSparse(from, (sparse) => sparse.makeWhole());
    await this.#upperParents(to);
    if (target.upper?.type === "dir") await this.#clearMarkers(to);
    if (target.upper?.type === "file") await this.#dropRecord(to, target.upper);
    await this.upper.rename(from, to);
    if (source.entry.type === "dir" && target.base) await this.#mark(to, OPAQUE_MARKER);
    await this.#dropWhiteout(to);
    if (source.base) await this.#whiteOut(from);
  }

  /** The directory `path` is in must be one: ENOENT or ENOTDIR otherwise. */
  async #directoryOf(path: string, syscall: string): Promise<void> {
    const names = parseGuestPath(path, syscall);
    if (names.length < 2) return;
    const dir = await this.#existing(names.slice(0, -1).join("/"), syscall);
    const type =
      dir.entry.type === "symlink"
        ? (await this.#layerOf(dir).stat(names.slice(0, -1).join("/"))).type
        : dir.entry.type;
    if (type !== "dir") throw new ExportError("ENOTDIR", { syscall, path, reason: "not a directory" });
  }

  /** A directory whose listing includes the base's: the base has one there, not hidden by an opaque upper. */
  async #mergesBase(path: string, found: Probe): Promise<boolean> {
    if (found.base?.type !== "dir") return false;
    return !(found.upper && (await entryOf(this.upper, join(path, OPAQUE_MARKER))));
  }

  async chmod(path: string, mode: number): Promise<void> {
    await this.#existing(path, "chmod");
    await copyUp(this, path);
    await this.upper.chmod(path, mode);
  }

  async truncate(path: string, size: number): Promise<void> {
    await this.#existing(path, "truncate");
    await copyUp(this, path);
    if (!(await this.#withSparse(path, (sparse) => sparse.truncate(size)))) {
      await this.upper.truncate(path, size);
    }
  }

  statfs(): Promise<ExportStatFs> {
    return this.base.statfs();
  }

  // --- by open-file id -------------------------------------------------------------------------

  /** A read-only open reads whichever layer has the file; any other copies it up first. */
  async open(domid: number, path: string, flags: OpenFlags, mode = 0o666): Promise<number> {
    if (!isOpenFlags(flags)) return this.base.open(domid, path, flags, mode); // the base refuses it
    const wire = decodeOpenFlags(OPEN_FLAGS[flags]);
    const writes = (OPEN_FLAGS[flags] & O_ACCMODE) !== O.O_RDONLY || wire.create || wire.truncate;
    let layer: ExportFs;
    if (!writes) {
      layer = this.#layerOf(await this.#existing(path, "open"));
    } else {
      const found = await this.probe(path, "open");
      if (found.upper || found.base) await copyUp(this, path);
      else if (wire.create) refuseReserved(lastName(path), "open", path);
      if (!found.upper && !found.base && wire.create) await this.#upperParents(path);
      layer = this.upper;
    }
    const id = await layer.open(domid, path, flags, mode);
    let sparse: SparseFile | undefined;
    try {
      if (layer === this.upper) {
        await this.#dropWhiteout(path);
        sparse = await this.#openSparse(domid, path, id, wire);
      }
    } catch (error) {
      await layer.close(domid, id).catch(() => {});
      throw error;
    }
    const overlayId = this.#nextId++;
    this.#open.set(`${domid}:${overlayId}`, { layer, id, sparse, append: wire.append });
    return overlayId;
  }

  async close(domid: number, id: number): Promise<void> {
    const file = this.#file(domid, id, "close");
    this.#open.delete(`${domid}:${id}`);
    try {
      await file.layer.close(domid, file.id);
    } finally {
      if (file.sparse) await this.#closeSparse(file.sparse);
    }
  }

  read(domid: number, id: number, position: number, length: number): Promise<Uint8Array> {
    const file = this.#file(domid, id, "read");
    if (file.sparse) return file.sparse.read(position, length);
    return file.layer.read(domid, file.id, position, length);
  }

  write(domid: number, id: number, position: number, data: Uint8Array): Promise<number> {
    const file = this.#file(domid, id, "write");
    if (file.sparse) return file.sparse.write(position, data, file.append);
    return file.layer.write(domid, file.id, position, data);
  }

  /** Where the pages of an open file come from; undefined when all are its layer's own. */
  pageLayout(domid: number, id: number): PageLayout | undefined {
    const sparse = this.#file(domid, id, "map_pages").sparse;
    if (!sparse) return undefined;
    return {
      baseInode: sparse.baseInode,
      readBase: sparse.readBase,
      fromBase: (index) => sparse.record.fromBase(index),
    };
  }

  fstat(domid: number, id: number): Promise<FileStat> {
    const file = this.#file(domid, id, "fstat");
    return file.layer.fstat(domid, file.id);
  }

  ftruncate(domid: number, id: number, size: number): Promise<void> {
    const file = this.#file(domid, id, "ftruncate");
    if (file.sparse) return file.sparse.truncate(size);
    return file.layer.ftruncate(domid, file.id, size);
  }

  sync(domid: number, id: number): Promise<void> {
    const file = this.#file(domid, id, "fsync");
    return file.layer.sync(domid, file.id);
  }

  async closeGuest(domid: number): Promise<number> {
    for (const key of [...this.#open.keys()]) if (key.startsWith(`${domid}:`)) this.#open.delete(key);
    const [base, upper] = await Promise.all([this.base.closeGuest(domid), this.upper.closeGuest(domid)]);
    return base + upper;
  }

  #file(domid: number, id: number, syscall: string): OpenId {
    const file = this.#open.get(`${domid}:${id}`);
    if (!file) throw new ExportError("EBADF", { syscall, path: "", reason: `no open file ${id}` });
    return file;
  }

  /** `xl xenfs-reset` removed the upper directory: no record read before applies any more. */
  forgetRecords(): void {
    this.#records.clear();
  }

  // --- page-granular upper files ----------------------------------------------------------------

  /** The record of the upper file `path` names (`stat`), loaded once and shared by its opens. */
  #recordOf(path: string, stat: FileStat): Promise<PageRecord | undefined> {
    const key = identityKey(stat);
    const known = this.#records.get(key);
    if (known) return known;
    const loading = (async () => {
      // The file's own name: `path` may end in a symlink to it.
      const hostPath = await realpath((await resolveEntry(this.upper.root, path, "open")).hostPath);
      return loadRecord(hostPath, String(stat.ino), stat.size);
    })();
    this.#records.set(key, loading);
    loading.then(
      (record) => {
        if (!record && this.#records.get(key) === loading) this.#records.delete(key);
      },
      () => {
        if (this.#records.get(key) === loading) this.#records.delete(key);
      },
    );
    return loading;
  }

  /** The page-granular view of an upper file just opened, or undefined for a whole one. */
  async #openSparse(
    domid: number,
    path: string,
    upperId: number,
    wire: { readonly truncate: boolean; readonly append: boolean },
  ): Promise<SparseFile | undefined> {
    const stat = await this.upper.fstat(domid, upperId);
    if (stat.type !== "file") return undefined;
    const record = await this.#recordOf(path, stat);
    if (!record) return undefined;
    if (wire.truncate) {
      // O_TRUNC emptied it: nothing is the base's any more.
      this.#records.delete(identityKey(stat));
      record.baseSize = 0;
      record.changed.clear();
      await record.remove();
      return undefined;
    }
    if (record.baseSize === 0) return undefined;
    const baseId = await this.base.open(domid, path, "r").catch((error: unknown) => {
      throw new ExportError("EIO", {
        syscall: "open",
        path,
        reason: `the base file under a page-granular copy is gone (${(error as Error).message})`,
      });
    });
    let writerId: number | undefined;
    try {
      const baseStat = await this.base.fstat(domid, baseId);
      const baseInode = identityKey(baseStat);
      if (baseIdentity(baseStat) !== record.base) {
        throw new ExportError("EIO", {
          syscall: "open",
          path,
          reason: "the base file under a page-granular copy was replaced",
        });
      }
      // O_APPEND writes land where the kernel says; the base's bytes need positional writes.
      if (wire.append) writerId = await this.upper.open(domid, path, "r+");
      const sparse = new SparseFile(
        this.upper,
        this.base,
        domid,
        upperId,
        baseId,
        baseInode,
        record,
        writerId,
      );
      // An append starts at the end: the base's last page, cut short, becomes the upper's now.
      const last = Math.floor(record.baseSize / PAGE_SIZE);
      if (wire.append && record.baseSize % PAGE_SIZE !== 0 && record.fromBase(last)) await sparse.own([last]);
      return sparse;
    } catch (error) {
      await this.base.close(domid, baseId).catch(() => {});
      if (writerId !== undefined) await this.upper.close(domid, writerId).catch(() => {});
      throw error;
    }
  }

  async #closeSparse(sparse: SparseFile): Promise<void> {
    await this.base.close(sparse.domid, sparse.baseId).catch(() => {});
    if (sparse.writerId !== undefined) await this.upper.close(sparse.domid, sparse.writerId).catch(() => {});
  }

  /** Runs `fn` on the upper file `path` opened page-granular; false (not run) when it is whole. */
  async #withSparse(path: string, fn: (sparse: SparseFile) => Promise<void>): Promise<boolean> {
    const upperId = await this.upper.open(OVERLAY_DOMID, path, "r+");
    try {
      const stat = await this.upper.fstat(OVERLAY_DOMID, upperId);
      const record = stat.type === "file" ? await this.#recordOf(path, stat) : undefined;
      if (!record || record.baseSize === 0) return false;
      const baseId = await this.base.open(OVERLAY_DOMID, path, "r");
      try {
        const baseStat = await this.base.fstat(OVERLAY_DOMID, baseId);
        const baseInode = identityKey(baseStat);
        if (baseIdentity(baseStat) !== record.base) {
          throw new ExportError("EIO", { syscall: "open", path, reason: "the base file was replaced" });
        }
        await fn(
          new SparseFile(this.upper, this.base, OVERLAY_DOMID, upperId, baseId, baseInode, record, undefined),
        );
      } finally {
        await this.base.close(OVERLAY_DOMID, baseId);
      }
      return true;
    } finally {
      await this.upper.close(OVERLAY_DOMID, upperId);
    }
  }

  /** The upper file `path` (`stat`) goes: its record first (a file without one reads as whole). */
  async #dropRecord(path: string, stat: FileStat): Promise<void> {
    const key = identityKey(stat);
    const known = await this.#records.get(key);
    this.#records.delete(key);
    if (known) known.detached = true;
    const hostPath = await realpath((await resolveEntry(this.upper.root, path, "unlink")).hostPath).catch(
      () => undefined,
    );
    if (hostPath) await removeRecord(recordPathOf(hostPath));
  }

  // --- the upper's bookkeeping -----------------------------------------------------------------

  /** Makes a new name in the upper: refused if the merged view has it; a whiteout there goes. */
  async #makeName(
    path: string,
    syscall: string,
    make: () => Promise<unknown>,
    directory = false,
  ): Promise<void> {
    refuseReserved(lastName(path), syscall, path);
    const found = await this.probe(path, syscall);
    if (found.upper || found.base) throw new ExportError("EEXIST", { syscall, path, reason: "file exists" });
    await this.#upperParents(path);
    const replacesBase = await entryOf(this.upper, whiteoutPath(path));
    await make();
    // A directory made where the base had one (whited out) must not show the base's entries.
    if (directory && replacesBase) await this.#mark(path, OPAQUE_MARKER);
    await this.#dropWhiteout(path);
  }

  async #remove(path: string, found: Probe): Promise<void> {
    if (found.base) await this.#upperParents(path);
    if (found.upper?.type === "dir") await this.#clearMarkers(path);
    if (found.upper?.type === "file") await this.#dropRecord(path, found.upper);
    if (found.upper) await (found.upper.type === "dir" ? this.upper.rmdir(path) : this.upper.unlink(path));
    if (found.base) await this.#whiteOut(path);
  }

  /** The directories above `path`, made in the upper as the base has them (mode kept). */
  async #upperParents(path: string): Promise<void> {
    const names = parseGuestPath(path, "copy-up");
    for (let i = 1; i < names.length; i++) await copyUp(this, names.slice(0, i).join("/"));
  }

  async #whiteOut(path: string): Promise<void> {
    await this.upper.create(whiteoutPath(path), 0o600, { exclusive: false });
  }

  async #dropWhiteout(path: string): Promise<void> {
    await this.upper.unlink(whiteoutPath(path)).catch(ignoreMissing);
  }

  async #mark(dir: string, marker: string): Promise<void> {
    await this.upper.create(join(dir, marker), 0o600, { exclusive: false });
  }

  /** An upper directory's whiteouts and markers, so that it can be removed or replaced. */
  async #clearMarkers(dir: string): Promise<void> {
    for (const entry of (await this.upper.readdir(dir)).entries) {
      if (isReserved(entry.name)) await this.upper.unlink(join(dir, entry.name));
    }
  }
}

/** The overlay's own opens (a path truncate, a rename's copy-up) are dom0's: no guest has domid 0. */
const OVERLAY_DOMID = 0;

/** lstat, or undefined when nothing is there (or the way there is not a directory). */
export async function entryOf(layer: ExportFs, path: string): Promise<FileStat | undefined> {
  try {
    return await layer.lstat(path);
  } catch (error) {
    if (error instanceof ExportError && (error.code === "ENOENT" || error.code === "ENOTDIR"))
      return undefined;
    throw error;
  }
}

function ignoreMissing(error: unknown): void {
  if (!(error instanceof ExportError && error.code === "ENOENT")) throw error;
}

export function join(dir: string, name: string): string {
  return dir === "" ? name : `${dir}/${name}`;
}

/** Whether `names` lies strictly below `dir`. */
function isBelow(names: readonly string[], dir: readonly string[]): boolean {
  return names.length > dir.length && dir.every((name, i) => names[i] === name);
}

function lastName(path: string): string {
  return parseGuestPath(path, "lookup").at(-1) ?? "";
}

function whiteoutPath(path: string): string {
  const names = parseGuestPath(path, "lookup");
  const name = names.pop() ?? "";
  return join(names.join("/"), whiteoutOf(name));
}
