import { readdir } from "node:fs/promises";
import { ExportError, guarded } from "./errors.js";
import { NAME_MAX } from "./guest-path.js";
import { resolveInExport } from "./resolve.js";
import { type EntryType, entryType } from "./stat.js";
import { requireInteger } from "./validate.js";

export interface DirEntry {
  readonly name: string;
  readonly type: EntryType;
}

/** One page of a listing; pass `nextCookie` back for the next page, null when the listing is done. */
export interface ReaddirPage {
  readonly entries: DirEntry[];
  readonly nextCookie: string | null;
}

function byName(a: DirEntry, b: DirEntry): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** A cookie is the last name a page returned, so it must look like a name. */
function checkCookie(cookie: unknown, syscall: string, path: string): string | null {
  if (cookie === null || cookie === undefined) return null;
  if (
    typeof cookie !== "string" ||
    cookie === "" ||
    cookie.includes("/") ||
    cookie.includes("\0") ||
    Buffer.byteLength(cookie) > NAME_MAX
  ) {
    throw new ExportError("EINVAL", { syscall, path, reason: "readdir cookie is not one this export gave" });
  }
  return cookie;
}

/**
 * The page of `entries` (sorted by name) that follows `cookie`. Resuming after a name rather than
 * at an index means entries added or removed between pages never make a name repeat or an
 * untouched name go missing.
 */
function readdirPage(entries: DirEntry[], cookie: string | null, maxEntries: number): ReaddirPage {
  const sorted = entries.sort(byName);
  const start = cookie === null ? 0 : sorted.findIndex((entry) => entry.name > cookie);
  const rest = start < 0 ? [] : sorted.slice(start);
  const page = rest.slice(0, maxEntries);
  const last = page.at(-1);
  return { entries: page, nextCookie: rest.length > maxEntries && last !== undefined ? last.name : null };
}

/**
 * A page of the directory `path` names (symlinks followed), sorted by name. Start without a
 * cookie; pass each page's `nextCookie` for the next, until it is null. `maxEntries` defaults to
 * the whole rest. The directory is read whole for every page: paging bounds the answer, not the work.
 */
export function readdirIn(
  root: string,
  path: string,
  cookie?: string | null,
  maxEntries?: number,
): Promise<ReaddirPage> {
  return guarded("readdir", path, async () => {
    const after = checkCookie(cookie, "readdir", path);
    const max =
      maxEntries === undefined
        ? Number.POSITIVE_INFINITY
        : requireInteger(maxEntries, "maxEntries", 1, 1 << 20, { syscall: "readdir", path });
    const dirents = await readdir(await resolveInExport(root, path, "readdir"), { withFileTypes: true });
    return readdirPage(
      dirents.map((dirent) => ({ name: dirent.name, type: entryType(dirent) })),
      after,
      max,
    );
  });
}
