// dom0's side of `xl xenfs-diff` and `xl xenfs-reset`: a watch on its own control/xenfs-overlay
// node (fsproto's overlay-control.ts), as a domain watches control/shutdown. A request written
// there is answered in XenStore (status, and a diff's changes), then removed.
import {
  isOverlayRequest,
  OverlayControlKey,
  type OverlayRequest,
  overlayControlPath,
  XENFS_OVERLAY_CONTROL,
} from "@xenfs/fsproto";
import { XenError, type XenStoreClient } from "@xenfs/libxen";
import type { Logger } from "@xenfs/service-kit";
import { ExportError } from "../export/index.js";
import type { Overlays } from "./overlays.js";

const WATCH_TOKEN = "xenfs-overlay-control";
const ROOT = `/local/domain/0/${XENFS_OVERLAY_CONTROL}`;

export class OverlayControl {
  /** Guests whose request is being answered: a watch firing again meanwhile is not a new one. */
  readonly #busy = new Set<string>();

  private constructor(
    private readonly xs: XenStoreClient,
    private readonly overlays: Overlays,
    private readonly log: Logger,
  ) {}

  static async start(xs: XenStoreClient, overlays: Overlays, log: Logger): Promise<OverlayControl> {
    const control = new OverlayControl(xs, overlays, log);
    await xs.mkdir(ROOT);
    // XenStore fires a new watch once at once: requests written while dom0 was away are seen then.
    await xs.watch(ROOT, WATCH_TOKEN, (path) => control.#fired(path));
    return control;
  }

  async stop(): Promise<void> {
    await this.xs.unwatch(ROOT, WATCH_TOKEN).catch(() => {});
  }

  #fired(path: string): void {
    if (path === ROOT) {
      void this.#scan();
      return;
    }
    const [name, key] = path.slice(ROOT.length + 1).split("/");
    if (name && key === OverlayControlKey.request) void this.#serve(name);
  }

  async #scan(): Promise<void> {
    const names = await this.xs.directory(ROOT).catch(() => []);
    for (const name of names) void this.#serve(name);
  }

  async #serve(name: string): Promise<void> {
    if (this.#busy.has(name)) return;
    this.#busy.add(name);
    const node = overlayControlPath(name);
    try {
      const request = await readIfAny(this.xs, `${node}/${OverlayControlKey.request}`);
      if (request === undefined) return;
      if (!isOverlayRequest(request)) {
        await this.#answer(node, `error EINVAL unknown request ${JSON.stringify(request.slice(0, 32))}`);
        return;
      }
      try {
        const lines = await this.#run(name, request);
        for (const [i, line] of lines.entries()) {
          await this.xs.write(`${node}/${OverlayControlKey.changes}/${i}`, line);
        }
        await this.#answer(node, `ok ${lines.length}`);
        this.log.info({ guest: name, request, changes: lines.length }, "overlay request answered");
      } catch (error) {
        const code = error instanceof ExportError ? error.code : "EIO";
        this.log.warn({ guest: name, request, err: error }, "overlay request failed");
        await this.#answer(node, `error ${code} ${(error as Error).message}`);
      }
    } catch (error) {
      this.log.error({ guest: name, err: error }, "could not answer an overlay request");
    } finally {
      this.#busy.delete(name);
    }
  }

  async #run(name: string, request: OverlayRequest): Promise<string[]> {
    if (request === "reset") {
      await this.overlays.reset(name);
      return [];
    }
    return (await this.overlays.diff(name)).map((change) => `${change.kind} /${change.path}`);
  }

  async #answer(node: string, status: string): Promise<void> {
    await this.xs.write(`${node}/${OverlayControlKey.status}`, status);
    await this.xs.rm(`${node}/${OverlayControlKey.request}`).catch(() => {});
  }
}

async function readIfAny(xs: XenStoreClient, path: string): Promise<string | undefined> {
  try {
    return await xs.read(path);
  } catch (error) {
    if (error instanceof XenError && error.code === "ENOENT") return undefined;
    throw error;
  }
}
