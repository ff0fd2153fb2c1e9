// `xl xenfs-diff` and `xl xenfs-reset`: a cow guest's overlay, asked of dom0 through XenStore
// (fsproto's overlay-control.ts), the way xl drives a domain's control/shutdown. xl finds the
// domain's name over the hypervisor's API, then writes the request and waits for dom0's status.
import { OverlayControlKey, type OverlayRequest, overlayControlPath } from "@xenfs/fsproto";
import { XenError, XenStoreClient, XsSocketTransport } from "@xenfs/libxen";
import { ToolError } from "../errors.js";
import type { ToolEnv } from "../io.js";
import { xenstoredPath } from "../xenstore/run.js";

/** How long dom0 has to answer (a diff walks the guest's whole overlay). */
export const OVERLAY_ANSWER_MS = 30_000;

/** Asks dom0 `request` about guest `name`'s overlay; answers a diff's lines (none for reset). */
export async function askOverlay(
  env: ToolEnv,
  name: string,
  request: OverlayRequest,
  timeoutMs = OVERLAY_ANSWER_MS,
): Promise<string[]> {
  let transport: XsSocketTransport;
  try {
    transport = await XsSocketTransport.open(xenstoredPath(env));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "EIO";
    throw new ToolError(code, `xl: cannot reach xenstored (XENSTORED_PATH): ${code}`);
  }
  const xs = new XenStoreClient(transport);
  const node = overlayControlPath(name);
  const statusPath = `${node}/${OverlayControlKey.status}`;
  try {
    await xs.rm(node).catch(() => {}); // an earlier answer
    const answered = new Promise<string>((resolve) => {
      void xs.watch(statusPath, `xl-${process.pid}`, () => {
        readIfAny(xs, statusPath).then(
          (status) => status !== undefined && resolve(status),
          () => {},
        );
      });
    });
    await xs.write(`${node}/${OverlayControlKey.request}`, request);
    const status = await withTimeout(answered, timeoutMs, name);
    const [outcome, count, ...rest] = status.split(" ");
    if (outcome !== "ok") {
      throw new ToolError(count ?? "EIO", `xl xenfs-${request}: dom0: ${rest.join(" ") || status}`);
    }
    const lines: string[] = [];
    for (let i = 0; i < Number(count); i++) {
      lines.push(await xs.read(`${node}/${OverlayControlKey.changes}/${i}`));
    }
    await xs.rm(node).catch(() => {});
    return lines;
  } finally {
    xs.close();
  }
}

function withTimeout(answered: Promise<string>, ms: number, name: string): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ToolError(
            "ETIMEDOUT",
            `xl: dom0 did not answer about ${name}'s overlay (is it serving XenFS?)`,
          ),
        ),
      ms,
    );
  });
  return Promise.race([answered, late]).finally(() => clearTimeout(timer));
}

async function readIfAny(xs: XenStoreClient, path: string): Promise<string | undefined> {
  try {
    return await xs.read(path);
  } catch (error) {
    if (error instanceof XenError && error.code === "ENOENT") return undefined;
    throw error;
  }
}
