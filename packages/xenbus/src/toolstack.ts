// The toolstack's part of adding a split device to a guest (what `xl` does through libxl): the
// backend directory, owned by the backend and readable by the guest, and the frontend
// directory, owned by the guest and readable by the backend, written in one transaction.
import type { XenStoreClient, XsOps, XsPerm } from "@xenfs/libxen";
import { backendDir, type DeviceId, frontendDir, XenbusKey } from "./paths.js";
import { XenbusState } from "./xenbus-state.js";
import { readOptional } from "./xs-read.js";

export interface DeviceSpec {
  readonly backendDomid: number;
  readonly frontendDomid: number;
  readonly id: DeviceId;
  /** Feature keys, in place before the backend's first state. */
  readonly features: Record<string, string>;
}

export async function createDevice(xs: XenStoreClient, spec: DeviceSpec): Promise<void> {
  const { backendDomid, frontendDomid, id } = spec;
  const back = backendDir(backendDomid, frontendDomid, id);
  const front = frontendDir(frontendDomid, id);
  const backPerms: XsPerm[] = [`n${backendDomid}`, `r${frontendDomid}`];
  const frontPerms: XsPerm[] = [`n${frontendDomid}`, `r${backendDomid}`];
  await xs.transaction(async (tx) => {
    // A frontend left from an earlier backend keeps its state: the new backend must see it.
    const frontState = await readOptional(tx, `${front}/${XenbusKey.state}`);
    // The hypervisor serves a session's calls in the order they are sent, so the writes go out
    // together, in order, without waiting for each answer: one round trip, not one per key —
    // what lets dom0 give 64 guests their devices in seconds on a loaded machine.
    await Promise.all([
      ...writeAll(tx, back, backPerms, {
        [XenbusKey.frontend]: front,
        [XenbusKey.frontendId]: String(frontendDomid),
        ...spec.features,
        [XenbusKey.state]: String(XenbusState.Initialising),
      }),
      // The guest may list its own devices of this type and watch their backend's removal.
      tx.setPerms(back.slice(0, back.lastIndexOf("/")), backPerms),
      ...writeAll(tx, front, frontPerms, {
        [XenbusKey.backend]: back,
        [XenbusKey.backendId]: String(backendDomid),
        ...(frontState === undefined ? { [XenbusKey.state]: String(XenbusState.Initialising) } : {}),
      }),
    ]);
  });
}

/** The calls that create `dir` with `keys`, all sent at once (in order) by the time this returns. */
function writeAll(tx: XsOps, dir: string, perms: XsPerm[], keys: Record<string, string>): Promise<void>[] {
  return [
    tx.mkdir(dir),
    tx.setPerms(dir, perms),
    ...Object.entries(keys).flatMap(([key, value]) => [
      tx.write(`${dir}/${key}`, value),
      tx.setPerms(`${dir}/${key}`, perms),
    ]),
  ];
}
