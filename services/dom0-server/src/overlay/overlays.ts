// Every cow guest's overlay, by guest name (a rejoined guest's domid changes, its name does
// not): `<overlay dir>/<guest name>` is its upper directory, on disk, so it outlives the guest's
// connection and dom0's process. diff and reset are what `xl xenfs-diff`/`xenfs-reset` ask for.
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { ExportError, ExportFs, parseGuestPath } from "../export/index.js";
import { entryOf, join as joinGuest, OverlayFs } from "./overlay-fs.js";
import { OPAQUE_MARKER, whitedOut } from "./whiteout.js";

/** One change of a guest against the base, as `docker diff` letters them. */
export interface OverlayChange {
  /** A: added, C: changed (copied up; a directory: made anew over the base's), D: deleted. */
  readonly kind: "A" | "C" | "D";
  readonly path: string;
}

export class Overlays {
  readonly #overlays = new Map<string, OverlayFs>();

  constructor(
    readonly base: ExportFs,
    /** XENFS_OVERLAY_DIR: an existing directory outside the export. */
    readonly dir: string,
  ) {}

  /** The guest's overlay, its upper directory made if it has none yet. */
  async forGuest(name: string): Promise<OverlayFs> {
    const known = this.#overlays.get(name);
    if (known) return known;
    const upperDir = await this.#upperDir(name);
    await mkdir(upperDir, { recursive: true, mode: 0o700 });
    const made = this.#overlays.get(name) ?? new OverlayFs(this.base, new ExportFs(upperDir));
    this.#overlays.set(name, made);
    return made;
  }

  /** The guest's changes, sorted by path; none when it never wrote. */
  async diff(name: string): Promise<OverlayChange[]> {
    const overlay = await this.forGuest(name);
    const changes: OverlayChange[] = [];
    await walk(overlay, "", true, changes);
    return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /**
   * Discards the guest's changes: its upper directory goes. Meant for a guest that is not running
   * (or idle): files it holds open keep what they had until closed, as unlinked files do.
   */
  async reset(name: string): Promise<void> {
    const upperDir = await this.#upperDir(name);
    await rm(upperDir, { recursive: true, force: true });
    this.#overlays.get(name)?.forgetRecords();
    // Made again at once: a connected guest's overlay goes on, over an empty upper.
    await mkdir(upperDir, { recursive: true, mode: 0o700 });
  }

  async #upperDir(name: string): Promise<string> {
    const names = parseGuestPath(name, "overlay");
    if (names.length !== 1 || names[0] !== name || name.startsWith(".")) {
      throw new ExportError("EINVAL", { syscall: "overlay", path: name, reason: "not a guest name" });
    }
    return join(this.dir, name);
  }
}

/** The upper's entries below `dir`; `baseShows`: no opaque directory above hides the base. */
async function walk(
  overlay: OverlayFs,
  dir: string,
  baseShows: boolean,
  changes: OverlayChange[],
): Promise<void> {
  const { entries } = await overlay.upper.readdir(dir);
  const opaque = !baseShows || entries.some((entry) => entry.name === OPAQUE_MARKER);
  for (const entry of entries) {
    const gone = whitedOut(entry.name);
    if (gone !== undefined) {
      changes.push({ kind: "D", path: joinGuest(dir, gone) });
      continue;
    }
    if (entry.name.startsWith(".wh.")) continue; // markers and copy-ups under way
    const path = joinGuest(dir, entry.name);
    const base = opaque ? undefined : await entryOf(overlay.base, path);
    if (entry.type === "dir") {
      const madeAnew = await entryOf(overlay.upper, joinGuest(path, OPAQUE_MARKER));
      if (!base) changes.push({ kind: "A", path });
      else if (madeAnew || base.type !== "dir") changes.push({ kind: "C", path });
      await walk(overlay, path, base?.type === "dir", changes);
    } else {
      changes.push({ kind: base ? "C" : "A", path });
    }
  }
}
