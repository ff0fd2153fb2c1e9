// Which requests the reply cache answers when the frontend re-issues them. Non-idempotent: run a
// second time they fail or do something else — create and mkdir (EEXIST), unlink and rmdir
// (ENOENT), rename (ENOENT, or it moves a file made since), symlink (EEXIST), and an open with
// O_CREAT|O_EXCL (EEXIST). Everything else gives the same result twice and simply runs again:
// reads, stats, listings, chmod, truncate and ftruncate to a length, and writes, which carry
// their file offset (an O_APPEND write's offset is the guest's, from the size it read).
import { type FsErrnoName, type FsRequest, O, reopenFlags } from "@xenfs/fsproto";
import { ExportError } from "../export/index.js";
import type { CachedOutcome, RequestKey } from "../reply-cache/reply-cache.js";

const CREATE_EXCL = O.O_CREAT | O.O_EXCL;

export function nonIdempotent(request: FsRequest): boolean {
  switch (request.op) {
    case "create":
    case "unlink":
    case "rmdir":
    case "rename":
    case "symlink":
      return true;
    case "open":
      return (request.flags & CREATE_EXCL) === CREATE_EXCL;
    default:
      return false;
  }
}

/** The cache key of a request from a frontend that re-issues (it numbers its connections). */
export function requestKey(guest: string, request: FsRequest): RequestKey | undefined {
  if (request.gen === undefined || !nonIdempotent(request)) return undefined;
  const { id, gen, reissue: _, ...args } = request;
  return { guest, gen, id, fingerprint: JSON.stringify(args) };
}

/**
 * What is remembered of a failure: only the export's own answer. A failure before the request
 * reached the export (a path page dom0 could not copy, a connection closing) says nothing about
 * what a second attempt would do, so the re-issue runs.
 */
export function outcomeOf(error: unknown, code: FsErrnoName): CachedOutcome | undefined {
  return error instanceof ExportError ? { ok: false, code } : undefined;
}

/**
 * An O_CREAT|O_EXCL open that succeeded the first time made the file; its fd died with that
 * connection. The re-issue opens the file it made, as it is: no create, no exclusivity, no truncate.
 */
export function reopenOf(request: FsRequest & { op: "open" }): FsRequest & { op: "open" } {
  return { ...request, flags: reopenFlags(request.flags) };
}
