// memory.h (populate_physmap, decrease_reservation) and the access a process needs in place of
// load/store over the socket: mem_read, mem_write, mem_cmpxchg, mem_add, mem_forget; and
// mem_transport (how a domain reaches memory) and mem_translate (XENMEM_translate_gpfn_list).
import { XEN_PAGE_SIZE } from "@xenfs/proto";
import type { Domain, MemoryTransport } from "../domain/domain.js";
import { errno } from "../errors.js";
import type { Handler } from "../handler.js";
import type { Xen } from "../xen.js";
import { P2m, type P2mEntry } from "./p2m.js";

/** The caller's p2m entry at `gpfn`, or −EINVAL. */
export function entryAt(caller: Domain, gpfn: number): P2mEntry {
  const entry = P2m.valid(gpfn) ? caller.p2m.get(gpfn) : undefined;
  if (!entry) throw errno("EINVAL", `gpfn ${gpfn} is not populated`);
  return entry;
}

function checkSpan(offset: number, length: number): void {
  if (offset + length > XEN_PAGE_SIZE) {
    throw errno("EINVAL", `offset ${offset} + length ${length} crosses the ${XEN_PAGE_SIZE}-byte frame`);
  }
}

export const populatePhysmap: Handler<"populatePhysmap"> = (xen, caller, { nrExtents }) => {
  if (caller.owned.size + nrExtents > caller.maxFrames) {
    throw errno(
      "ENOMEM",
      `${nrExtents} frames exceed the reservation (${caller.owned.size}/${caller.maxFrames})`,
    );
  }
  const frames = xen.pool.alloc(nrExtents, caller.domid, "ram");
  if (!frames) throw errno("ENOMEM", `${nrExtents} frames wanted, ${xen.pool.free} free in the machine`);
  const gpfns = frames.map((frame) => {
    caller.owned.add(frame);
    const gpfn = caller.p2m.insert({ frame, foreign: false, readonly: false });
    if (gpfn === undefined) throw new Error("p2m space exhausted below the machine size");
    return gpfn;
  });
  return { populatePhysmap: { gpfns, mfns: frames.map((f) => f.mfn) } };
};

export const decreaseReservation: Handler<"decreaseReservation"> = (xen, caller, { gpfns }) => {
  if (new Set(gpfns).size !== gpfns.length) throw errno("EINVAL", "a gpfn is listed twice");
  const entries = gpfns.map((gpfn) => {
    const entry = entryAt(caller, gpfn);
    if (entry.foreign || entry.frame.type !== "ram") {
      throw errno("EINVAL", `gpfn ${gpfn} is not the domain's own RAM (unmap grants, keep the grant table)`);
    }
    return entry;
  });
  gpfns.forEach((gpfn, i) => {
    const frame = entries[i]!.frame;
    caller.p2m.delete(gpfn);
    xen.memory.forget(caller, frame, gpfn);
    // A page shared by mem_sharing is one sharer less; the domain's own frame is freed.
    if (xen.memory.shared.isShared(frame)) xen.memory.shared.drop(frame);
    else xen.memory.releaseOwned(caller, frame);
  });
  return { decreaseReservation: { nrDone: gpfns.length } };
};

export const memRead: Handler<"memRead"> = (xen, caller, { gpfn, offset, length, cache }) => {
  const { frame } = entryAt(caller, gpfn);
  checkSpan(offset, length);
  // An shm domain reads frames in place: it keeps no copy, so it is never sent updates.
  if (cache) xen.memory.cache(caller, frame, gpfn);
  return { memRead: { data: frame.read(offset, length) } };
};

export const memWrite: Handler<"memWrite"> = (xen, caller, { gpfn, offset, data }) => {
  entryAt(caller, gpfn);
  checkSpan(offset, data.length);
  const entry = xen.cow.writable(caller, gpfn); // a copy-to-write page faults here
  xen.memory.writeFrame(entry.frame, offset, data, { domid: caller.domid, gpfn });
  return undefined;
};

export const memForget: Handler<"memForget"> = (xen, caller, { gpfns }) => {
  for (const gpfn of gpfns) if (!P2m.valid(gpfn)) throw errno("EINVAL", `gpfn ${gpfn} out of range`);
  for (const gpfn of gpfns) {
    const entry = caller.p2m.get(gpfn);
    if (entry) xen.memory.forget(caller, entry.frame, gpfn);
  }
  return undefined;
};

/** A memory transport named on the wire: shm or socket, else EINVAL. */
export function memoryTransportOf(transport: string): MemoryTransport {
  if (transport !== "shm" && transport !== "socket")
    throw errno("EINVAL", `transport ${JSON.stringify(transport)}: shm or socket`);
  return transport;
}

/** What mem_transport does (an attach may name the transport too). */
export function setMemoryTransport(xen: Xen, domain: Domain, transport: MemoryTransport): void {
  domain.transport = transport;
  // Copies it kept over the socket are gone: updates to them would only fill its queue.
  if (transport === "shm") xen.memory.forgetAll(domain);
}

export const memTransport: Handler<"memTransport"> = (xen, caller, { transport }) => {
  setMemoryTransport(xen, caller, memoryTransportOf(transport));
  return undefined;
};

/** Most gpfns one mem_translate may name (XENMEM_translate_gpfn_list takes a list too). */
export const MAX_TRANSLATE = 4096;

export const memTranslate: Handler<"memTranslate"> = (_xen, caller, { gpfns }) => {
  if (gpfns.length > MAX_TRANSLATE) throw errno("E2BIG", `${gpfns.length} gpfns > ${MAX_TRANSLATE}`);
  const entries = gpfns.map((gpfn) => entryAt(caller, gpfn));
  return {
    memTranslate: {
      mfns: entries.map((e) => e.frame.mfn),
      readonly: entries.map((e) => e.readonly),
      copyToWrite: entries.map((e) => e.cow === true),
    },
  };
};
