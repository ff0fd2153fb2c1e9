// GET /api/mount: what the mount is and has done (the launcher's status view reads it).
import { type Route, sendJson } from "@xenfs/service-kit";
import type { XenfsMount } from "../mount/mount.js";

export function mountRoute(fs: XenfsMount, domid: number): Route {
  return {
    method: "GET",
    path: "/api/mount",
    handler: (_req, res) => {
      const { mode, state, pagesHeld, requests, bytesRead, bytesWritten, readsLocal } = fs.snapshot();
      sendJson(res, 200, { mode, domid, state, pagesHeld, requests, bytesRead, bytesWritten, readsLocal });
    },
  };
}
