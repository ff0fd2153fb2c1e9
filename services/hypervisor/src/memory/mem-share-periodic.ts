// The periodic mode of identical-page sharing (XEN_MEM_SHARING_MS): the scan behind
// `xl mem-share --all` runs every period, one at a time. docs/design.md#copy-to-write
import type { Xen } from "../xen.js";
import { memShareScan } from "./mem-share-scan.js";

/** Starts the periodic scan; answers the function that stops it. `periodMs` 0: nothing runs. */
export function startPeriodicSharing(xen: Xen, periodMs: number): () => void {
  if (periodMs <= 0) return () => {};
  let running = false;
  const timer = setInterval(() => {
    if (running) return; // a scan waiting for shm guests' acknowledgements is still going
    running = true;
    const guests = xen.domains.all().filter((d) => d.live && !d.privileged);
    memShareScan(xen, guests)
      .then((result) => {
        if (result.shared > 0) xen.logger.info(result, "periodic mem-share");
      })
      .catch((error: unknown) => xen.logger.error({ err: error }, "periodic mem-share failed"))
      .finally(() => {
        running = false;
      });
  }, periodMs);
  timer.unref();
  return () => clearInterval(timer);
}
