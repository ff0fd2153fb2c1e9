// /api/faults/disk: the disk faults in force under the export, read and replaced at run time
// (docs/faults.md#disk-faults-in-dom0). An HTTP route on dom0's own side rather than a XenStore
// node: the disk is the host's, not a domain's, and rules set here die with the process, so a
// dom0 restarted after a torn write comes back with XENFS_DISK_FAULTS only, not in a crash loop.
import { HttpError, type Logger, type Route, readJsonBody, sendJson } from "@xenfs/service-kit";
import { DiskFaultSpecError, type DiskFaults } from "./export/index.js";

export function diskFaultsRoutes(faults: DiskFaults, logger: Logger): Route[] {
  return [
    {
      method: "GET",
      path: "/api/faults/disk",
      handler: (_req, res) => sendJson(res, 200, faults.view()),
    },
    {
      // Body: {"spec": "eio=write:path=*.log,slow_fsync=200ms"}; "" clears every rule.
      method: "PUT",
      path: "/api/faults/disk",
      handler: async (req, res) => {
        const body = (await readJsonBody(req)) as { spec?: unknown } | null;
        if (typeof body?.spec !== "string") throw new HttpError(400, "EINVAL", 'expected {"spec": "…"}');
        try {
          faults.set(body.spec);
        } catch (error) {
          if (error instanceof DiskFaultSpecError) throw new HttpError(400, error.code, error.message);
          throw error;
        }
        logger.warn({ spec: body.spec }, "disk faults set");
        sendJson(res, 200, faults.view());
      },
    },
  ];
}
