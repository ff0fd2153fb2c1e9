// A domain's XenStore client on a store in this process: libxen's client over its in-process
// transport, with every watch it sets reporting to one listener, as the tests read events per
// connection.
import { type WatchCallback, XenError, XenStoreClient, XsInProcessTransport } from "@xenfs/libxen";
import { XsError } from "../src/errors.js";
import type { XenStore } from "../src/store.js";

export class StoreClient extends XenStoreClient {
  constructor(
    store: XenStore,
    domid: number,
    private readonly onWatchEvent: WatchCallback = () => {},
  ) {
    super(new XsInProcessTransport(store, domid));
  }

  override watch(path: string, token: string, callback: WatchCallback = this.onWatchEvent): Promise<void> {
    return super.watch(path, token, callback);
  }
}

/** The errno name a request (or the store's own check) fails with, or "OK". */
export async function errno(run: () => unknown): Promise<string> {
  try {
    await run();
  } catch (error) {
    if (error instanceof XenError || error instanceof XsError) return error.code;
    throw error;
  }
  return "OK";
}

/** Watch events go out after the reply, in a microtask; let them arrive. */
export const delivered = () => new Promise<void>((resolve) => setImmediate(resolve));
