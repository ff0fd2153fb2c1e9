// The console over HTTP, behind XEN_DOM0_TOKEN as Xen's sysctl readconsole and debug_keys are
// privileged: GET /api/dmesg (`?clear=1` empties the ring after reading, xl dmesg -c) and
// POST /api/debug-keys `{ "keys": "gq" }`, whose dump goes to the ring and back to the caller.
import { HttpError, type Route, readJsonBody, sendJson } from "@xenfs/service-kit";
import { debugKeys } from "../console/keys.js";
import type { ConsoleRing } from "../console/ring.js";
import type { Xen } from "../xen.js";
import { requireDom0Token } from "./auth.js";

/** At most this many keys per request: each runs a dump of the whole host. */
const MAX_KEYS = 16;

export function consoleRoutes(xen: Xen, ring: ConsoleRing): Route[] {
  return [
    {
      method: "GET",
      path: "/api/dmesg",
      handler: (req, res, { url }) => {
        requireDom0Token(req, res, xen.config.dom0Token);
        const lines = ring.read();
        if (url.searchParams.get("clear") === "1") ring.clear();
        sendJson(res, 200, { lines });
      },
    },
    {
      method: "POST",
      path: "/api/debug-keys",
      handler: async (req, res) => {
        requireDom0Token(req, res, xen.config.dom0Token);
        const { keys } = ((await readJsonBody(req, 1024)) ?? {}) as { keys?: unknown };
        if (typeof keys !== "string" || keys.length === 0 || keys.length > MAX_KEYS) {
          throw new HttpError(400, "EINVAL", `body must be { "keys": "…" } with 1 to ${MAX_KEYS} keys`);
        }
        const output = debugKeys(xen, keys);
        ring.print(output.join("\n"));
        sendJson(res, 200, { output });
      },
    },
  ];
}
