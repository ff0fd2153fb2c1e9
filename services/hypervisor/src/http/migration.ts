// Save and restore over the admin API, for `xl save` / `xl restore` (docs/migration.md):
//   POST /api/save/<domid>[?timeoutMs=n] → the image (application/octet-stream); the domain is
//     asked to suspend, its image sent, then it is destroyed, as xl save leaves it.
//   POST /api/migrate/<domid>?attachUrl=ws://…[&timeoutMs=n] → the image of a live migration,
//     streamed round by round while the guest runs; the guest ends suspended (the toolstack
//     destroys it once the target has restored it) and attaches at attachUrl.
//   GET /api/migrate/<domid> → `{ rounds }`: pages per round and when, of a migration sent from here.
//   POST /api/resume/<domid> → a migration failed after the suspend: the guest attaches here again.
//   POST /api/restore, the image as the body → `{ domid, name }` of the restored domain, paused
//     until its process attaches. The body is read and checked whole before anything is made.
import type { IncomingMessage, ServerResponse } from "node:http";
import { ImageBuilder, StreamError, StreamReader, writeImage } from "@xenfs/libxen/stream";
import { XEN_PAGE_SIZE } from "@xenfs/proto";
import { HttpError, type Route, sendJson } from "@xenfs/service-kit";
import { migrationStream, type RoundReport } from "../domain/migrate.js";
import { restoreDomain } from "../domain/restore.js";
import { domainImage, resumeHere, suspendDomain } from "../domain/save.js";
import { HypercallError } from "../errors.js";
import { newDomain } from "../session/handshake.js";
import type { Xen } from "../xen.js";
import { requireDom0Token } from "./auth.js";

const DEFAULT_SUSPEND_MS = 10_000;
const STATUS: Readonly<Record<string, number>> = {
  ESRCH: 404,
  EINVAL: 400,
  EEXIST: 409,
  EBUSY: 409,
  ENOMEM: 507,
  ENOSPC: 507,
  ETIMEDOUT: 504,
};

async function asHttp<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof HypercallError)
      throw new HttpError(STATUS[error.code] ?? 500, error.code, error.message);
    if (error instanceof StreamError) throw new HttpError(400, error.code, error.message);
    throw error;
  }
}

function timeoutOf(url: URL): number {
  const raw = url.searchParams.get("timeoutMs");
  if (raw === null) return DEFAULT_SUSPEND_MS;
  if (!/^\d{1,7}$/.test(raw)) throw new HttpError(400, "EINVAL", "timeoutMs must be a whole number of ms");
  return Number(raw);
}

async function save(
  xen: Xen,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  rest: string,
): Promise<void> {
  requireDom0Token(req, res, xen.config.dom0Token);
  if (!/^\d{1,5}$/.test(rest)) throw new HttpError(404, "ENOENT", "POST /api/save/<domid>");
  const domid = Number(rest);
  const image = await asHttp(async () => domainImage(xen, await suspendDomain(xen, domid, timeoutOf(url))));
  const chunks = writeImage(image);
  const length = chunks.reduce((n, c) => n + c.length, 0);
  res.writeHead(200, { "content-type": "application/octet-stream", "content-length": length });
  for (const chunk of chunks) res.write(chunk);
  res.end();
  const domain = xen.domains.live(domid);
  if (domain?.suspended) xen.lifecycle.destroy(domain, "saved");
  xen.logger.info({ domid, pages: image.pages.size, bytes: length }, "domain saved");
}

async function restore(xen: Xen, req: IncomingMessage, res: ServerResponse): Promise<void> {
  requireDom0Token(req, res, xen.config.dom0Token);
  // Never more than the machine could hold, plus the records around the pages.
  const limit = xen.config.totalFrames * (XEN_PAGE_SIZE + 8) + 8 * (1 << 20);
  const image = await asHttp(async () => {
    const reader = new StreamReader();
    const builder = new ImageBuilder();
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > limit) throw new HttpError(413, "EMSGSIZE", `image exceeds ${limit} bytes`);
      for (const record of reader.push(chunk as Buffer)) builder.apply(record);
    }
    reader.finish();
    return builder.result();
  });
  const domain = await asHttp(() =>
    restoreDomain(xen, image, (domid, name, key, maxFrames) => newDomain(xen, domid, name, key, maxFrames)),
  );
  sendJson(res, 200, { domid: domain.domid, name: domain.name });
}

async function migrate(
  xen: Xen,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  rest: string,
): Promise<void> {
  requireDom0Token(req, res, xen.config.dom0Token);
  if (!/^\d{1,5}$/.test(rest)) throw new HttpError(404, "ENOENT", "POST /api/migrate/<domid>");
  const attachUrl = url.searchParams.get("attachUrl") ?? "";
  if (!/^wss?:\/\//.test(attachUrl))
    throw new HttpError(400, "EINVAL", "attachUrl must be the target's ws:// URL");
  const domid = Number(rest);
  const rounds: RoundReport[] = [];
  remember(domid, rounds);
  const options = { attachUrl, suspendTimeoutMs: timeoutOf(url) };
  const stream = migrationStream(xen, domid, options, (round) => rounds.push(round));
  // The first chunk is made before the answer starts, so a refusal is still an HTTP error.
  const first = await asHttp(() => stream.next());
  res.writeHead(200, { "content-type": "application/octet-stream" });
  try {
    for (let next = first; !next.done; next = await stream.next()) {
      if (!res.write(next.value)) await drained(res);
    }
    res.end();
    xen.logger.info({ domid, rounds }, "domain sent");
  } catch (error) {
    // The target sees a truncated image and restores nothing; log-dirty goes off.
    await stream.return(undefined).catch(() => undefined);
    xen.logger.error({ err: error, domid }, "migration stream failed");
    res.destroy(error as Error);
  }
}

/** Resolves when the response can take more; throws when its connection went (xl stopped). */
async function drained(res: ServerResponse): Promise<void> {
  await new Promise<void>((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
  if (res.destroyed || !res.writable) throw new Error("the migration's receiver went away");
}

/** The rounds of the last migrations sent from here, by the domid they had (GET /api/migrate/<domid>). */
const recent = new Map<number, RoundReport[]>();
const RECENT = 16;

function remember(domid: number, rounds: RoundReport[]): void {
  recent.delete(domid);
  recent.set(domid, rounds);
  for (const old of recent.keys()) if (recent.size > RECENT) recent.delete(old);
}

/** POST /api/resume/<domid>: a failed migration's guest comes back here. */
async function resume(xen: Xen, req: IncomingMessage, res: ServerResponse, rest: string): Promise<void> {
  requireDom0Token(req, res, xen.config.dom0Token);
  if (!/^\d{1,5}$/.test(rest)) throw new HttpError(404, "ENOENT", "POST /api/resume/<domid>");
  const domain = await asHttp(async () => resumeHere(xen, Number(rest)));
  sendJson(res, 200, { domid: domain.domid, name: domain.name });
}

export function migrationRoutes(xen: Xen): Route[] {
  return [
    {
      method: "GET",
      path: "/api/migrate",
      prefix: true,
      handler: (req, res, { rest }) => {
        requireDom0Token(req, res, xen.config.dom0Token);
        const rounds = recent.get(Number(rest.replace(/^\//, "")));
        if (!rounds) throw new HttpError(404, "ENOENT", "no migration of that domid sent from here");
        sendJson(res, 200, { rounds });
      },
    },
    {
      method: "POST",
      path: "/api/resume",
      prefix: true,
      handler: (req, res, { rest }) => resume(xen, req, res, rest.replace(/^\//, "")),
    },
    {
      method: "POST",
      path: "/api/migrate",
      prefix: true,
      handler: (req, res, { url, rest }) => migrate(xen, req, res, url, rest.replace(/^\//, "")),
    },
    {
      method: "POST",
      path: "/api/save",
      prefix: true,
      handler: (req, res, { url, rest }) => save(xen, req, res, url, rest.replace(/^\//, "")),
    },
    { method: "POST", path: "/api/restore", handler: (req, res) => restore(xen, req, res) },
  ];
}
