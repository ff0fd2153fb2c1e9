// dom0's vbd over one hypervisor session: XenbusBackend("vbd") with blkback for the configured
// image. An image that cannot be served is logged with its reason and XenFS is served without
// it: a bad disk image never stops dom0.
import type { XenDomain } from "@xenfs/libxen";
import { VBD_DEVICE } from "@xenfs/proto";
import type { Logger } from "@xenfs/service-kit";
import { XenbusBackend } from "@xenfs/xenbus";
import { BlkbackDriver } from "./driver.js";
import { VbdError } from "./errors.js";

/** Which image dom0 serves as every guest's `vbd/0` (XENFS_VBD_IMAGE, XENFS_VBD_MODE). */
export interface VbdConfig {
  readonly image: string;
  readonly readonly: boolean;
}

export interface VbdServing {
  readonly driver: BlkbackDriver;
  close(): Promise<void>;
}

export async function serveVbd(
  dom0: XenDomain,
  config: VbdConfig,
  log: Logger,
): Promise<VbdServing | undefined> {
  let driver: BlkbackDriver;
  try {
    driver = await BlkbackDriver.open(dom0, config, log);
  } catch (error) {
    if (!(error instanceof VbdError)) throw error;
    log.error({ image: config.image, code: error.code, reason: error.message }, "vbd not served");
    return undefined;
  }
  const backend = new XenbusBackend(dom0, VBD_DEVICE, driver);
  await backend.start();
  return {
    driver,
    async close() {
      await backend.close();
      await driver.close();
    },
  };
}
