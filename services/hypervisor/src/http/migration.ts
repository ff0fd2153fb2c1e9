// Save and restore over the admin API, for `xl save` / `xl restore` (docs/migration.md):
//   POST /api/save/<domid>[?timeoutMs=n] → the image (application/octet-stream); the domain is
//     asked to suspend, its image sent, then it is destroyed, as xl save leaves it.
//   POST /api/migrate/<domid>?attachUrl=ws://…[&timeoutMs=n] → the image of a live migration,
//     streamed round by round while the guest runs; the guest ends suspended (the toolstack
//     destroys it once the target has restored it) and attaches at attachUrl.
//   GET /api/migrate/<domid> → the last migration sent from here of that domid: `rounds` (pages per
//     round and when), state, octets sent (migration-progress.ts).
//   GET /api/migrations → what this host has sent and received, as it goes (public: the dashboard).
//   POST /api/resume/<domid> → a migration failed after the suspend: the guest attaches here again.
//   POST /api/restore, the image as the body → `{ domid, name }` of the restored domain, paused
//     until its process attaches. The body is read and checked whole before anything is made.
import type { IncomingMessage, ServerResponse } from "node:http";
import { ImageBuilder, StreamError, StreamReader, writeImage } from "@xenfs/libxen/stream";
import { XEN_PAGE_SIZE } from "@xenfs/proto";
import { HttpError, type Route, sendJson } from "@xenfs/service-kit";
import type { Domain } from "../domain/domain.js";
import { IncomingFrames } from "../domain/incoming-frames.js";
import { migrationStream } from "../domain/migrate.js";
import { checkDomainRecord, restoreDomain } from "../domain/restore.js";
import { domainImage, resumeHere, suspendDomain } from "../domain/save.js";
import { HypercallError } from "../errors.js";
import { newDomain } from "../session/handshake.js";
import type { Xen } from "../xen.js";
import { requireDom0Token } from "./auth.js";
import { type Arrival, MigrationProgress } from "./migration-progress.js";

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
  progress: MigrationProgress,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  rest: string,
): Promise<void> {
  requireDom0Token(req, res, xen.config.dom0Token);
  if (!/^\d{1,5}$/.test(rest)) throw new HttpError(404, "ENOENT", "POST /api/save/<domid>");
  const domid = Number(rest);
  const live = xen.domains.live(domid);
  const started = performance.now();
  const record = live
    ? progress.depart({ domid, name: live.name, kind: "save", frames: live.owned.size })
    : undefined;
  let chunks: Uint8Array[];
  try {
    const image = await asHttp(async () => domainImage(xen, await suspendDomain(xen, domid, timeoutOf(url))));
    chunks = writeImage(image);
  } catch (error) {
    if (record) Object.assign(record, { state: "failed", error: (error as Error).message });
    throw error;
  }
  const length = chunks.reduce((n, c) => n + c.length, 0);
  res.writeHead(200, { "content-type": "application/octet-stream", "content-length": length });
  for (const chunk of chunks) res.write(chunk);
  res.end();
  if (record) {
    const ms = Math.round(performance.now() - started);
    Object.assign(record, { state: "sent", bytes: length, totalMs: ms, suspendedMs: ms });
  }
  const domain = xen.domains.live(domid);
  if (domain?.suspended) xen.lifecycle.destroy(domain, "saved");
  xen.logger.info({ domid, bytes: length }, "domain saved");
}

async function restore(
  xen: Xen,
  progress: MigrationProgress,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  requireDom0Token(req, res, xen.config.dom0Token);
  const arrival = progress.arrive();
  // Never more than the machine could hold, plus the records around the pages.
  const limit = xen.config.totalFrames * (XEN_PAGE_SIZE + 8) + 8 * (1 << 20);
  let domain: Domain;
  // Once the image names its domain, that domain's process may attach (and wait) here.
  let ended: (() => void) | undefined;
  // The pages go into frames as they come: at the end only the last round is left to write.
  const frames = new IncomingFrames(xen.pool);
  try {
    const image = await asHttp(async () => {
      const reader = new StreamReader();
      const builder = new ImageBuilder(frames);
      for await (const chunk of req) {
        arrival.bytes += (chunk as Buffer).length;
        if (arrival.bytes > limit) throw new HttpError(413, "EMSGSIZE", `image exceeds ${limit} bytes`);
        for (const record of reader.push(chunk as Buffer)) builder.apply(record);
        const named = builder.domain;
        if (ended === undefined && named !== undefined) {
          checkDomainRecord(xen, named); // a name taken here, say: refused before the pages come
          ended = xen.restoring.begin(named.name, named.sessionKey);
        }
      }
      reader.finish();
      return builder.result();
    });
    domain = await asHttp(() =>
      restoreDomain(
        xen,
        image,
        (domid, name, key, maxFrames) => newDomain(xen, domid, name, key, maxFrames),
        frames.take(),
      ),
    );
  } catch (error) {
    frames.release();
    Object.assign(arrival, { state: "refused", error: (error as Error).message });
    throw error;
  } finally {
    ended?.();
  }
  Object.assign(arrival, { domid: domain.domid, name: domain.name, state: "awaiting process" });
  watchAttach(domain, arrival);
  sendJson(res, 200, { domid: domain.domid, name: domain.name });
}

/**
 * Notes when the restored domain's process attaches — as it attaches, so a reader who saw the
 * process attached reads "running" — or that the domain went first.
 */
function watchAttach(domain: Domain, arrival: Arrival): void {
  const restored = performance.now();
  const timer = setInterval(() => {
    if (domain.live) return;
    if (arrival.state === "awaiting process") arrival.state = "gone";
    clearInterval(timer);
  }, 100);
  timer.unref();
  domain.onAttach = () => {
    clearInterval(timer);
    arrival.state = "running";
    arrival.attachedAfterMs = Math.round(performance.now() - restored);
  };
}

async function migrate(
  xen: Xen,
  progress: MigrationProgress,
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
  const live = xen.domains.live(domid);
  const record = progress.depart({
    domid,
    name: live?.name ?? "",
    kind: "migrate",
    target: attachUrl,
    frames: live?.owned.size ?? 0,
  });
  const { rounds } = record;
  const started = performance.now();
  const options = { attachUrl, suspendTimeoutMs: timeoutOf(url) };
  const stream = migrationStream(xen, domid, options, (round) => {
    rounds.push(round);
    if (round.suspended) record.state = "suspended";
  });
  const failed = (error: unknown) =>
    Object.assign(record, { state: "failed", error: (error as Error).message });
  // The first chunk is made before the answer starts, so a refusal is still an HTTP error.
  const first = await asHttp(() => stream.next()).catch((error: unknown) => {
    failed(error);
    throw error;
  });
  res.writeHead(200, { "content-type": "application/octet-stream" });
  try {
    for (let next = first; !next.done; next = await stream.next()) {
      record.bytes += next.value.length;
      if (!res.write(next.value)) await drained(res);
    }
    res.end();
    const totalMs = Math.round(performance.now() - started);
    const suspendedAt = rounds.at(-1)?.suspendedAtMs;
    Object.assign(record, {
      state: "sent",
      totalMs,
      ...(suspendedAt === undefined ? {} : { suspendedMs: totalMs - suspendedAt }),
    });
    xen.logger.info({ domid, rounds }, "domain sent");
  } catch (error) {
    // The target sees a truncated image and restores nothing; log-dirty goes off.
    failed(error);
    await stream.return(undefined).catch(() => undefined);
    xen.logger.error({ err: error, domid }, "migration stream failed");
    res.destroy(error as Error);
  }
}

/** Resolves when the response can take more; throws when its connection went (xl stopped). */
async function drained(res: ServerResponse): Promise<void> {
  // Gone already (xl stopped: the target refused early): its 'close' will not come again.
  if (res.destroyed || !res.writable) throw new Error("the migration's receiver went away");
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

/** POST /api/resume/<domid>: a failed migration's guest comes back here. */
async function resume(xen: Xen, req: IncomingMessage, res: ServerResponse, rest: string): Promise<void> {
  requireDom0Token(req, res, xen.config.dom0Token);
  if (!/^\d{1,5}$/.test(rest)) throw new HttpError(404, "ENOENT", "POST /api/resume/<domid>");
  const domain = await asHttp(async () => resumeHere(xen, Number(rest)));
  sendJson(res, 200, { domid: domain.domid, name: domain.name });
}

export function migrationRoutes(xen: Xen): Route[] {
  const progress = new MigrationProgress();
  return [
    {
      method: "GET",
      path: "/api/migrate",
      prefix: true,
      handler: (req, res, { rest }) => {
        requireDom0Token(req, res, xen.config.dom0Token);
        const record = progress.departure(Number(rest.replace(/^\//, "")));
        if (!record) throw new HttpError(404, "ENOENT", "no migration of that domid sent from here");
        sendJson(res, 200, record);
      },
    },
    // Public, as /api/domains is: the dashboard's view of saves and migrations (no keys in it).
    { method: "GET", path: "/api/migrations", handler: (_req, res) => sendJson(res, 200, progress.view()) },
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
      handler: (req, res, { url, rest }) => migrate(xen, progress, req, res, url, rest.replace(/^\//, "")),
    },
    {
      method: "POST",
      path: "/api/save",
      prefix: true,
      handler: (req, res, { url, rest }) => save(xen, progress, req, res, url, rest.replace(/^\//, "")),
    },
    { method: "POST", path: "/api/restore", handler: (req, res) => restore(xen, progress, req, res) },
  ];
}
