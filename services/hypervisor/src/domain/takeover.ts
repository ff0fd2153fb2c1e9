// A dom0 that joins while the old dom0's session is down (its lease still running) or while the
// old one lingers as a zombie replaces it at once: the old dom0 is declared dead, as Xen's
// toolstack would after a crash. It is destroyed through the normal teardown, and every guest
// mapping of its frames is revoked by force (the frames died with it), so the zombie is reaped
// and domid 0 is free for the new one (frames a mapper has yet to let go of are freed later). A dom0 whose session is still connected is refused.
import { errno } from "../errors.js";
import type { Xen } from "../xen.js";

export function takeOverDom0(xen: Xen): void {
  const old = xen.domains.get(0);
  if (!old) return;
  if (old.live && old.link.connected) throw errno("EEXIST", "dom0 is already running");
  xen.logger.warn({ state: old.state }, "a new dom0 joined while the old one was disconnected; replacing it");
  xen.lifecycle.destroy(old, "replaced by a new dom0");
  for (const guest of xen.domains.all()) {
    if (guest === old) continue;
    for (const mapping of [...guest.maptrack.values()])
      if (mapping.granter === 0) xen.grants.unmap(guest, mapping, true);
  }
  // Frames still pinned (a shm mapper's quarantine, until it acknowledges the revoke) leave the
  // old dom0: they are freed when their last pin goes, and domid 0 is free now.
  const zombie = xen.domains.get(0);
  if (!zombie) return;
  for (const frame of [...zombie.owned]) xen.memory.releaseOwned(zombie, frame);
  xen.lifecycle.reap(zombie);
}
