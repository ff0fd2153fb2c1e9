// What a guest does with raw hypercalls, for tests: populate, set up a grant table, write
// grant entries the way a Xen guest does, and bind event channels.
import { DOMID, encodeGrantEntry, GRANT_ENTRIES_PER_FRAME, GRANT_ENTRY_V1_SIZE } from "@xenfs/proto";
import type { RawClient } from "./raw-client.js";

export async function ok<T extends { status: number; code: string; message: string }>(
  reply: Promise<T>,
): Promise<T> {
  const r = await reply;
  if (r.status !== 0) throw new Error(`expected success, got ${r.code}: ${r.message}`);
  return r;
}

export async function populate(client: RawClient, n: number): Promise<number[]> {
  const reply = await ok(client.call({ populatePhysmap: { nrExtents: n } }));
  return reply.populatePhysmap!.gpfns!;
}

export async function setupTable(client: RawClient, nrFrames = 1): Promise<number[]> {
  const reply = await ok(client.call({ gnttabSetupTable: { nrFrames } }));
  return reply.gnttabSetupTable!.frameList!;
}

/** Writes grant entry `ref` (all 8 bytes in one write, which is atomic). */
export async function grant(
  client: RawClient,
  table: number[],
  ref: number,
  flags: number,
  domid: number,
  frame: number,
) {
  const gpfn = table[Math.floor(ref / GRANT_ENTRIES_PER_FRAME)]!;
  const offset = (ref % GRANT_ENTRIES_PER_FRAME) * GRANT_ENTRY_V1_SIZE;
  await ok(client.call({ memWrite: { gpfn, offset, data: encodeGrantEntry({ flags, domid, frame }) } }));
}

export async function readEntry(client: RawClient, table: number[], ref: number) {
  const gpfn = table[Math.floor(ref / GRANT_ENTRIES_PER_FRAME)]!;
  const offset = (ref % GRANT_ENTRIES_PER_FRAME) * GRANT_ENTRY_V1_SIZE;
  const reply = await ok(client.call({ memRead: { gpfn, offset, length: GRANT_ENTRY_V1_SIZE } }));
  const view = new DataView(
    reply.memRead!.data!.buffer,
    reply.memRead!.data!.byteOffset,
    GRANT_ENTRY_V1_SIZE,
  );
  return { flags: view.getUint16(0, true), domid: view.getUint16(2, true), frame: view.getUint32(4, true) };
}

/** An interdomain channel: `a` allocates for `b`, `b` binds. Returns [port in a, port in b]. */
export async function connectPorts(a: RawClient, b: RawClient): Promise<[number, number]> {
  const alloc = await ok(a.call({ evtchnAllocUnbound: { dom: DOMID.SELF, remoteDom: b.domid } }));
  const portA = alloc.evtchnPort!.port!;
  const bind = await ok(b.call({ evtchnBindInterdomain: { remoteDom: a.domid, remotePort: portA } }));
  return [portA, bind.evtchnPort!.port!];
}
