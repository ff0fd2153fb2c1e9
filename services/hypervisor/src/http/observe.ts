// The frame map and grant graph over HTTP, public like /api/memory (the dashboard reads them):
// GET /api/frames (the whole map, base64 arrays), /api/frames/<mfn> (one frame in full),
// /api/grants/graph, and /api/frames/feed — server-sent events: `snapshot` on connect, then
// `delta` (changed frames) and `graph` as things change. See docs/observing.md#frame-map.
import type { ServerResponse } from "node:http";
import { HttpError, type Route, sendJson } from "@xenfs/service-kit";
import { FrameFeed } from "../observe/frame-feed.js";
import { encodeFrameMap, frameDetails } from "../observe/frame-map.js";
import { grantGraph } from "../observe/grant-graph.js";
import type { Xen } from "../xen.js";

const KEEPALIVE_MS = 15_000;

function openFeed(feed: FrameFeed, res: ServerResponse): void {
  res.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-store",
    connection: "keep-alive",
  });
  const remove = feed.add({
    send: (event, data) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
    onDrain: (fn) => res.once("drain", fn),
  });
  const keepalive = setInterval(() => res.write(": keepalive\n\n"), KEEPALIVE_MS).unref();
  res.on("close", () => {
    clearInterval(keepalive);
    remove();
  });
}

export function observeRoutes(xen: Xen, tickMs?: number): Route[] {
  const feed = new FrameFeed(xen, tickMs);
  return [
    { method: "GET", path: "/api/grants/graph", handler: (_q, res) => sendJson(res, 200, grantGraph(xen)) },
    {
      method: "GET",
      path: "/api/frames",
      prefix: true,
      handler: (_q, res, { rest }) => {
        if (rest === "") return sendJson(res, 200, encodeFrameMap(feed.mapper.snapshot()));
        if (rest === "feed") return openFeed(feed, res);
        const mfn = /^\d{1,9}$/.test(rest) ? Number(rest) : -1;
        if (mfn < 0 || mfn >= xen.pool.total)
          throw new HttpError(404, "ENOENT", `no machine frame ${rest} (0 … ${xen.pool.total - 1})`);
        sendJson(res, 200, frameDetails(xen, mfn));
      },
    },
  ];
}
