// GNTTABOP_revoke (extension): the granter asks every mapper of an entry to unmap it; past the
// deadline the mappings still there are removed by force and the mappers told so.
import { gntst } from "../errors.js";
import type { Handler } from "../handler.js";

export const MAX_REVOKE_DEADLINE_MS = 60_000;

export const gnttabRevoke: Handler<"gnttabRevoke"> = (xen, caller, { ref, deadlineMs }) => {
  if (!caller.grantTable.validRef(ref)) throw gntst("bad_gntref", `ref ${ref} past the table`);
  if (deadlineMs > MAX_REVOKE_DEADLINE_MS)
    throw gntst("general_error", `deadline over ${MAX_REVOKE_DEADLINE_MS}ms`);
  const mappings = xen.domains
    .all()
    .filter((d) => d.live)
    .flatMap((mapper) => mapper.maptrack.ofGrant(caller.domid, ref).map((mapping) => ({ mapper, mapping })));
  for (const { mapper, mapping } of mappings) {
    xen.upcall(mapper, {
      grantRevoke: { dom: caller.domid, ref, handle: mapping.handle, forced: false, deadlineMs },
    });
  }
  if (mappings.length > 0) {
    xen.later(deadlineMs, () => {
      for (const { mapper, mapping } of mappings) {
        // Only the very mapping that was asked: a handle unmapped and reused is left alone.
        if (mapper.live && mapper.maptrack.get(mapping.handle) === mapping)
          xen.grants.unmap(mapper, mapping, true);
      }
    });
  }
  return { gnttabRevoke: { mappers: mappings.length } };
};
