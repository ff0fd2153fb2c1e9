// mem_annotate (extension): a domain says what it uses some of its own RAM frames for — dom0's
// page cache, a split driver's ring — so the frame map can colour them. To Xen every such frame is
// RAM; nothing else reads the note, and a freed frame forgets it. docs/observing.md#frame-map.
import { MEM_ANNOTATE_MAX_GPFNS, xenmemPurposeName } from "@xenfs/proto";
import { errno } from "../errors.js";
import type { Handler } from "../handler.js";
import { entryAt } from "./ops.js";

export const memAnnotate: Handler<"memAnnotate"> = (_xen, caller, { gpfns, purpose }) => {
  const name = xenmemPurposeName(purpose);
  if (name === undefined) throw errno("EINVAL", `unknown purpose ${purpose}`);
  if (gpfns.length > MEM_ANNOTATE_MAX_GPFNS)
    throw errno("E2BIG", `${gpfns.length} gpfns, at most ${MEM_ANNOTATE_MAX_GPFNS}`);
  // Every gpfn checked before any frame is noted: a refused call changes nothing.
  const frames = gpfns.map((gpfn) => {
    const entry = entryAt(caller, gpfn);
    if (entry.foreign || entry.frame.type !== "ram" || entry.frame.owner !== caller.domid)
      throw errno("EINVAL", `gpfn ${gpfn} is not the domain's own RAM`);
    return entry.frame;
  });
  for (const frame of frames) frame.purpose = name === "ram" ? undefined : name;
  return undefined;
};
