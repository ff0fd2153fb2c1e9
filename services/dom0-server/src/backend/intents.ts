// The window of the reply cache: a non-idempotent request runs, then its answer is journalled.
// If dom0 dies in between, the frontend re-issues it to the next dom0, which finds no answer and
// runs it again — and a rename or unlink that did take effect fails the second time (ENOENT),
// though it happened. So before a rename, unlink or rmdir runs, dom0 journals an intent naming
// the identity (dev:ino) of what it acts on; a re-issue that finds only the intent and fails
// with ENOENT checks whether the first attempt took effect, and if so answers success
// (docs/design.md#reply-cache). Found by `pnpm chaos everything`: a rename answered ENOENT
// whose version was at the key.
import type { FsErrnoName, FsRequest } from "@xenfs/fsproto";
import { identityKey } from "../export/index.js";
import type { Intent, ReplyCache, RequestKey } from "../reply-cache/reply-cache.js";
import type { RequestContext } from "./context.js";

/** Journals the intent of a rename, unlink or rmdir (others need none); durable before it runs. */
export async function intend(
  replies: ReplyCache,
  key: RequestKey,
  request: FsRequest,
  ctx: RequestContext,
): Promise<void> {
  const named =
    request.op === "rename"
      ? request.oldPath
      : request.op === "unlink" || request.op === "rmdir"
        ? request.path
        : undefined;
  if (named === undefined) return;
  // Not there (or not readable): the request fails as it would, and a re-issue has nothing to check.
  await replies.intend(key, await identityAt(ctx, named));
}

/** Whether a re-issued request that failed with `code` had taken effect in its first attempt. */
export async function tookEffect(
  request: FsRequest,
  earlier: Intent,
  code: FsErrnoName,
  ctx: RequestContext,
): Promise<boolean> {
  if (code !== "ENOENT" || earlier.identity === undefined) return false;
  const at = (guestPath: GuestPath) => identityAt(ctx, guestPath);
  switch (request.op) {
    case "rename":
      // Gone from the old name, and the same file at the new one.
      return (await at(request.oldPath)) === undefined && (await at(request.newPath)) === earlier.identity;
    case "unlink":
    case "rmdir":
      return (await at(request.path)) === undefined;
    default:
      return false;
  }
}

type GuestPath = Parameters<RequestContext["pages"]["path"]>[0];

/** The identity (dev:ino) of what a guest's path names now; undefined when nothing is there. */
function identityAt(ctx: RequestContext, guestPath: GuestPath): Promise<string | undefined> {
  return ctx.pages
    .path(guestPath)
    .then((path) => ctx.fs.lstat(path))
    .then(identityKey, () => undefined);
}
