// Remus over the admin API (docs/remus.md), every route with the dom0 token:
// On the primary (what `xl remus` asks):
//   POST /api/remus/<domid>, JSON { backup, token, attachUrl, intervalMs?, heartbeatMs? } →
//     the first checkpoint is committed on the backup, then `{ domid, name, committed }`;
//     checkpoints go on every intervalMs from then.
//   DELETE /api/remus/<domid> → protection ends; the backup drops its copy.
//   GET /api/remus → `{ primaries, backups }`: each pair's state, committed epoch, last checkpoint.
// On the backup (what the primary sends; the concatenated bodies are one checkpointed stream):
//   POST /api/remus-backup?heartbeatMs=n, the first checkpoint → `{ id, epoch: 1 }`
//   POST /api/remus-backup/<id>, one checkpoint → `{ epoch }` once committed; 400 when torn or
//     malformed (discarded, the last committed kept)
//   POST /api/remus-backup/<id>/heartbeat → `{ epoch }`; POST /api/remus-backup/<id>/end.
import type { IncomingMessage, ServerResponse } from "node:http";
import { STREAM_LIMITS, StreamError } from "@xenfs/libxen/stream";
import { XEN_PAGE_SIZE } from "@xenfs/proto";
import { HttpError, type Route, sendJson } from "@xenfs/service-kit";
import { HypercallError } from "../errors.js";
import { requireDom0Token } from "../http/auth.js";
import type { Xen } from "../xen.js";
import { RemusBackup } from "./backup.js";
import { RemusPrimary } from "./primary.js";
import { pruneRemus, remusOf } from "./registry.js";

/** Remus's interval ("regular (50 ms) checkpoints") and how long the backup waits for a word. */
export const REMUS_DEFAULTS = { intervalMs: 50, heartbeatMs: 500 } as const;
const INTERVAL_RANGE = [5, 60_000] as const;
const HEARTBEAT_RANGE = [50, 600_000] as const;

function whole(
  value: unknown,
  name: string,
  [min, max]: readonly [number, number],
  fallback: number,
): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
    throw new HttpError(400, "EINVAL", `${name} must be a whole number of ms, ${min} … ${max}`);
  return value;
}

async function bodyOf(req: IncomingMessage, limit: number): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, "EMSGSIZE", `body exceeds ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return chunks;
}

function domidOf(rest: string, usage: string): number {
  const text = rest.replace(/^\//, "");
  if (!/^\d{1,5}$/.test(text)) throw new HttpError(404, "ENOENT", usage);
  return Number(text);
}

interface ProtectArgs {
  readonly backup?: unknown;
  readonly token?: unknown;
  readonly attachUrl?: unknown;
  readonly intervalMs?: unknown;
  readonly heartbeatMs?: unknown;
}

async function protect(xen: Xen, req: IncomingMessage, res: ServerResponse, rest: string): Promise<void> {
  requireDom0Token(req, res, xen.config.dom0Token);
  const domid = domidOf(rest, "POST /api/remus/<domid>");
  let args: ProtectArgs;
  try {
    args = JSON.parse(Buffer.concat(await bodyOf(req, 64 * 1024)).toString("utf8")) as Record<
      string,
      unknown
    >;
  } catch {
    throw new HttpError(
      400,
      "EINVAL",
      "the body must be JSON { backup, token, attachUrl, intervalMs?, heartbeatMs? }",
    );
  }
  const { backup, token, attachUrl } = args;
  if (typeof backup !== "string" || !/^https?:\/\/\S+$/.test(backup))
    throw new HttpError(400, "EINVAL", "backup must be the backup hypervisor's http:// URL");
  if (typeof token !== "string" || token === "")
    throw new HttpError(400, "EINVAL", "token: the backup's dom0 token");
  if (typeof attachUrl !== "string" || !/^wss?:\/\/\S+$/.test(attachUrl))
    throw new HttpError(400, "EINVAL", "attachUrl must be the backup's ws:// hypercall URL");
  const intervalMs = whole(args.intervalMs, "intervalMs", INTERVAL_RANGE, REMUS_DEFAULTS.intervalMs);
  const heartbeatMs = whole(args.heartbeatMs, "heartbeatMs", HEARTBEAT_RANGE, REMUS_DEFAULTS.heartbeatMs);
  if (heartbeatMs < 2 * intervalMs)
    throw new HttpError(400, "EINVAL", "heartbeatMs must be at least two intervals");
  const domain = xen.domains.live(domid);
  if (!domain) throw new HttpError(404, "ESRCH", `no domain ${domid}`);
  const host = remusOf(xen);
  if (host.primaries.get(domid)?.active)
    throw new HttpError(409, "EBUSY", `dom${domid} is already protected`);
  const primary = new RemusPrimary(
    xen,
    domain,
    { backupUrl: backup.replace(/\/$/, ""), backupToken: token, attachUrl, intervalMs, heartbeatMs },
    xen.logger,
  );
  pruneRemus(host);
  host.primaries.set(domid, primary);
  try {
    await primary.start();
  } catch (error) {
    if (error instanceof HypercallError)
      throw new HttpError(error.code === "EBUSY" ? 409 : 400, error.code, error.message);
    throw new HttpError(
      502,
      "EIO",
      `the backup did not take the first checkpoint: ${(error as Error).message}`,
    );
  }
  xen.logger.info({ domid, backup, intervalMs, heartbeatMs }, "Remus protecting");
  sendJson(res, 200, {
    domid,
    name: domain.name,
    committed: primary.status().committed,
    intervalMs,
    heartbeatMs,
  });
}

async function unprotect(xen: Xen, req: IncomingMessage, res: ServerResponse, rest: string): Promise<void> {
  requireDom0Token(req, res, xen.config.dom0Token);
  const domid = domidOf(rest, "DELETE /api/remus/<domid>");
  const primary = remusOf(xen).primaries.get(domid);
  if (!primary?.active) throw new HttpError(404, "ENOENT", `dom${domid} is not protected here`);
  await primary.stop("stopped by the toolstack");
  sendJson(res, 200, primary.status());
}

/** The largest checkpoint: every frame the machine has, plus the records around them. */
function checkpointLimit(xen: Xen): number {
  return xen.config.totalFrames * (XEN_PAGE_SIZE + 8) + 8 * STREAM_LIMITS.maxBatch + 8 * (1 << 20);
}

async function receive(
  xen: Xen,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  rest: string,
): Promise<void> {
  requireDom0Token(req, res, xen.config.dom0Token);
  const host = remusOf(xen);
  const [id, verb] = rest.replace(/^\//, "").split("/");
  if (!id) {
    // A new pair: its first checkpoint.
    const raw = url.searchParams.get("heartbeatMs");
    const heartbeatMs = whole(
      raw === null ? undefined : Number(raw),
      "heartbeatMs",
      HEARTBEAT_RANGE,
      REMUS_DEFAULTS.heartbeatMs,
    );
    const backup = new RemusBackup(xen, heartbeatMs, xen.logger);
    const chunks = await bodyOf(req, checkpointLimit(xen)).catch((error: Error) => {
      backup.close();
      throw error;
    });
    try {
      backup.commit(chunks);
    } catch (error) {
      backup.close();
      throw refused(error);
    }
    pruneRemus(host);
    host.backups.set(backup.id, backup);
    xen.logger.info({ id: backup.id, name: backup.status().name, heartbeatMs }, "Remus backup receiving");
    sendJson(res, 200, { id: backup.id, epoch: backup.receiver.epoch });
    return;
  }
  const backup = host.backups.get(id);
  if (backup?.state !== "receiving") throw new HttpError(404, "ENOENT", `no Remus pair ${id} receiving here`);
  backup.heard();
  if (verb === "heartbeat") {
    sendJson(res, 200, { epoch: backup.receiver.epoch });
    return;
  }
  if (verb === "end") {
    backup.end();
    sendJson(res, 200, backup.status());
    return;
  }
  if (verb !== undefined) throw new HttpError(404, "ENOENT", "POST /api/remus-backup/<id>[/heartbeat|/end]");
  const chunks = await bodyOf(req, checkpointLimit(xen));
  try {
    sendJson(res, 200, { epoch: backup.commit(chunks) });
  } catch (error) {
    throw refused(error);
  }
}

function refused(error: unknown): unknown {
  return error instanceof StreamError ? new HttpError(400, error.code, error.message) : error;
}

export function remusRoutes(xen: Xen): Route[] {
  return [
    {
      method: "GET",
      path: "/api/remus",
      handler: (req, res) => {
        requireDom0Token(req, res, xen.config.dom0Token);
        const host = remusOf(xen);
        sendJson(res, 200, {
          primaries: [...host.primaries.values()].map((p) => p.status()),
          backups: [...host.backups.values()].map((b) => b.status()),
        });
      },
    },
    {
      method: "POST",
      path: "/api/remus",
      prefix: true,
      handler: (req, res, { rest }) => protect(xen, req, res, rest),
    },
    {
      method: "DELETE",
      path: "/api/remus",
      prefix: true,
      handler: (req, res, { rest }) => unprotect(xen, req, res, rest),
    },
    {
      method: "POST",
      path: "/api/remus-backup",
      prefix: true,
      handler: (req, res, { url, rest }) => receive(xen, req, res, url, rest),
    },
  ];
}
