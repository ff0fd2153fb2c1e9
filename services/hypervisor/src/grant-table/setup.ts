// GNTTABOP_setup_table and GNTTABOP_query_size.
import { gntst } from "../errors.js";
import type { Handler } from "../handler.js";
import { MAX_GRANT_FRAMES } from "./grant-table.js";

/** Grows the caller's table to nr_frames (it never shrinks) and lists the frames' gpfns. */
export const gnttabSetupTable: Handler<"gnttabSetupTable"> = (xen, caller, { nrFrames }) => {
  const table = caller.grantTable;
  if (nrFrames > MAX_GRANT_FRAMES)
    throw gntst("general_error", `nr_frames ${nrFrames} > max ${MAX_GRANT_FRAMES}`);
  const grow = Math.max(0, nrFrames - table.frames.length);
  if (caller.owned.size + grow > caller.maxFrames)
    throw gntst("general_error", "grant-table frames exceed the reservation");
  const frames = xen.pool.alloc(grow, caller.domid, "grant_table");
  if (!frames) throw gntst("general_error", "no free machine frames for the grant table");
  for (const frame of frames) {
    const gpfn = caller.p2m.insert({ frame, foreign: false, readonly: false });
    if (gpfn === undefined) throw new Error("p2m space exhausted below the machine size");
    caller.owned.add(frame);
    table.frames.push({ frame, gpfn });
  }
  const listed = table.frames.slice(0, nrFrames);
  return { gnttabSetupTable: { frameList: listed.map((f) => f.gpfn), mfns: listed.map((f) => f.frame.mfn) } };
};

export const gnttabQuerySize: Handler<"gnttabQuerySize"> = (xen, caller, { dom }) => {
  const domid = xen.resolve(caller, dom);
  const target = xen.domains.live(domid);
  if (!target) throw gntst("bad_domain", `no domain ${domid}`);
  if (target !== caller && !caller.privileged)
    throw gntst("permission_denied", `only dom0 may query domain ${domid}`);
  return {
    gnttabQuerySize: { nrFrames: target.grantTable.frames.length, maxNrFrames: MAX_GRANT_FRAMES },
  };
};
