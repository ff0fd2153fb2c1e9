import { type Route, sendJson } from "@xenfs/service-kit";
import type { MetricSources } from "./metrics.js";

/** `GET /api/cache`: the page cache and, per guest, its open files and the grants it holds. */
export function cacheRoute(sources: MetricSources): Route {
  return {
    method: "GET",
    path: "/api/cache",
    handler: (_req, res) => sendJson(res, 200, { ...sources.cache(), guests: sources.guests() }),
  };
}
