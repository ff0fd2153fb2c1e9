// The admin API's credential: `Authorization: Bearer <XEN_DOM0_TOKEN>`, the secret that makes a
// session dom0. Compared in constant time over digests, so neither content nor length leaks.
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { HttpError } from "@xenfs/service-kit";

const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();

/** Throws 401 without a bearer token, 403 with the wrong one. */
export function requireDom0Token(req: IncomingMessage, res: ServerResponse, dom0Token: string): void {
  const m = /^Bearer +(\S+) *$/i.exec(req.headers.authorization ?? "");
  if (!m) {
    res.setHeader("www-authenticate", 'Bearer realm="xen"');
    throw new HttpError(401, "EACCES", "needs Authorization: Bearer <XEN_DOM0_TOKEN>");
  }
  if (!timingSafeEqual(digest(m[1] ?? ""), digest(dom0Token))) {
    throw new HttpError(403, "EPERM", "the token is not XEN_DOM0_TOKEN");
  }
}
