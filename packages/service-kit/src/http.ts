// The HTTP side every service has: health, readiness, metrics and a tiny router, on node:http.
// `server` is exposed so a WebSocket server (`ws` with `noServer`) can take `upgrade` events
// on the same port.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { HttpError, sendError, sendText } from "./http-json.js";
import type { Logger } from "./logger.js";
import { PROMETHEUS_CONTENT_TYPE, type Registry } from "./metrics.js";

export interface RouteContext {
  readonly url: URL;
  /** The part of the path after a prefix route's path ("" for an exact route). */
  readonly rest: string;
}

export interface Route {
  readonly method: string;
  /** Exact path, or with `prefix` every path below it (`/fs` matches `/fs/a/b`). */
  readonly path: string;
  readonly prefix?: boolean;
  handler(req: IncomingMessage, res: ServerResponse, ctx: RouteContext): void | Promise<void>;
}

export interface HttpServerOptions {
  host: string;
  port: number;
  routes?: readonly Route[];
  /** /livez answers 503 when this returns false. */
  live?: () => boolean;
  /** /readyz answers 503 until this returns true. */
  ready?: () => boolean;
  metrics?: Registry;
  logger?: Logger;
}

export interface HttpService {
  readonly server: Server;
  /** Resolves with the bound port (useful with port 0). */
  listen(): Promise<number>;
  /** Stops listening and ends every open connection, keep-alive ones included. */
  close(): Promise<void>;
}

export function createHttpServer(options: HttpServerOptions): HttpService {
  const routes: Route[] = [
    { method: "GET", path: "/livez", handler: (_q, res) => health(res, options.live?.() ?? true) },
    { method: "GET", path: "/readyz", handler: (_q, res) => health(res, options.ready?.() ?? true) },
    ...(options.metrics ? [metricsRoute(options.metrics)] : []),
    ...(options.routes ?? []),
  ];
  const server = createServer((req, res) => {
    handle(routes, req, res).catch((error: unknown) => {
      options.logger?.error({ err: error, url: req.url }, "http handler failed");
      if (!res.headersSent) sendError(res, 500, "EIO", "internal error");
      else res.destroy();
    });
  });
  return {
    server,
    listen: () =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(options.port, options.host, () => {
          server.off("error", reject);
          resolve((server.address() as AddressInfo).port);
        });
      }),
    close: () =>
      new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function health(res: ServerResponse, ok: boolean): void {
  sendText(res, ok ? 200 : 503, ok ? "ok\n" : "not ready\n");
}

function metricsRoute(registry: Registry): Route {
  return {
    method: "GET",
    path: "/metrics",
    handler: (_q, res) => sendText(res, 200, registry.render(), PROMETHEUS_CONTENT_TYPE),
  };
}

function matches(route: Route, path: string): string | undefined {
  if (path === route.path) return "";
  if (!route.prefix) return undefined;
  const base = route.path.endsWith("/") ? route.path : `${route.path}/`;
  return path.startsWith(base) ? path.slice(base.length) : undefined;
}

async function handle(routes: readonly Route[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  let url: URL;
  try {
    url = new URL(req.url ?? "/", "http://localhost");
  } catch {
    return sendError(res, 400, "EINVAL", "bad request URL");
  }
  const method = req.method === "HEAD" ? "GET" : (req.method ?? "GET");
  const candidates = routes.flatMap((route) => {
    const rest = matches(route, url.pathname);
    return rest === undefined ? [] : [{ route, rest }];
  });
  if (candidates.length === 0) return sendError(res, 404, "ENOENT", `no route for ${url.pathname}`);
  const hit = candidates.find((c) => c.route.method === method);
  if (!hit) {
    res.setHeader("allow", [...new Set(candidates.map((c) => c.route.method))].join(", "));
    return sendError(res, 405, "EOPNOTSUPP", `${req.method} not allowed on ${url.pathname}`);
  }
  try {
    await hit.route.handler(req, res, { url, rest: hit.rest });
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    sendError(res, error.status, error.code, error.message);
  }
}
