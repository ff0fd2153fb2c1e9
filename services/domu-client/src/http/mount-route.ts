// GET /api/mount: what the mount is and has done (the launcher's status view reads it). While the
// guest rejoins after a lost session, `state` is `Rejoining` and `domid` the lost domain's.
import { type Route, sendJson } from "@xenfs/service-kit";
import type { CurrentMount } from "../rejoin/current-mount.js";

export function mountRoute(mounts: CurrentMount): Route {
  return {
    method: "GET",
    path: "/api/mount",
    handler: (_req, res) => {
      const { mode, state, pagesHeld, requests, bytesRead, bytesWritten, readsLocal, moves } =
        mounts.snapshot();
      const { domid } = mounts;
      sendJson(res, 200, {
        mode,
        domid,
        state,
        pagesHeld,
        requests,
        bytesRead,
        bytesWritten,
        readsLocal,
        moves,
      });
    },
  };
}
