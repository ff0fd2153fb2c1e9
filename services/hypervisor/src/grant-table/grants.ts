// common/grant_table.c's share of the hypervisor that is not one hypercall: keeping GTF_reading
// and GTF_writing true to the mappings, removing a mapping (asked for, forced, or at teardown),
// and what a dying domain's grant state becomes.
import { flagsBytes, GTF, type xen } from "@xenfs/proto";
import type { Domain } from "../domain/domain.js";
import type { DomainRegistry } from "../domain/registry.js";
import type { MachineMemory } from "../memory/machine-memory.js";
import type { GrantMapping } from "./maptrack.js";

export interface GrantDeps {
  readonly domains: DomainRegistry;
  readonly memory: MachineMemory;
  readonly upcall: (domain: Domain, upcall: xen.Upcall.$Properties) => void;
}

export class Grants {
  constructor(private readonly deps: GrantDeps) {}

  /**
   * Sets or clears GTF_reading/GTF_writing on the granter's entry, as Xen does while mapped.
   * `current` is the entry's flags when the caller has just read them in this same hypercall
   * (no granter write can come between: an entry in use changes only by hypercall), saving a
   * second read of the memory file per map.
   */
  updateFlags(granter: Domain, ref: number, current?: number): void {
    if (!granter.live || !granter.grantTable.validRef(ref)) return;
    const active = granter.grantTable.active.get(ref);
    const { frame, offset } = granter.grantTable.locate(ref);
    const old = current ?? granter.grantTable.entry(ref).flags;
    let flags = old & ~(GTF.reading | GTF.writing);
    if (active && active.readers + active.writers > 0) flags |= GTF.reading;
    if (active && active.writers > 0) flags |= GTF.writing;
    if (flags !== old) this.deps.memory.writeFrame(frame, offset, flagsBytes(flags));
  }

  /** Removes one mapping; `forced` also tells the mapper its frame (or copy) is gone. */
  unmap(mapper: Domain, mapping: GrantMapping, forced: boolean): void {
    const { memory, domains, upcall } = this.deps;
    mapper.maptrack.delete(mapping.handle);
    mapper.p2m.delete(mapping.hostGpfn);
    memory.forget(mapper, mapping.frame, mapping.hostGpfn);
    if (mapping.privateCopy) {
      // The mapper's own copy since its first write: it goes with the mapping, the grant is untouched.
      memory.releaseOwned(mapper, mapping.frame);
      return;
    }
    const granter = domains.get(mapping.granter);
    const active = granter?.grantTable.active.get(mapping.ref);
    if (granter && active) {
      if (mapping.readonly) active.readers--;
      else active.writers--;
      if (active.readers + active.writers === 0) granter.grantTable.active.delete(mapping.ref);
      this.updateFlags(granter, mapping.ref);
    }
    if (forced) {
      upcall(mapper, {
        grantRevoke: { dom: mapping.granter, ref: mapping.ref, handle: mapping.handle, forced: true },
      });
      upcall(mapper, { frameInvalidate: { gpfn: mapping.hostGpfn } });
      if (mapper.transport === "shm" && mapper.live) {
        // Quarantine: an shm mapper reads the frame in place until it has processed the revoke,
        // so the pin stays (the frame cannot be freed and handed to another domain) until the
        // mapper acknowledges the frame carrying the upcall, or dies.
        mapper.link.afterAcked(() => memory.unpin(mapping.frame));
        return;
      }
    }
    memory.unpin(mapping.frame);
  }

  /**
   * The Copy-To-Write fault has given `mapping` a private copy: the granter's frame is no longer
   * read through it, so its reader count (GTF_reading) and pin go.
   */
  release(mapper: Domain, mapping: GrantMapping): void {
    const granter = this.deps.domains.get(mapping.granter);
    const active = granter?.grantTable.active.get(mapping.ref);
    if (granter && active) {
      active.readers--;
      if (active.readers + active.writers === 0) granter.grantTable.active.delete(mapping.ref);
      this.updateFlags(granter, mapping.ref);
    }
    this.deps.memory.forget(mapper, mapping.frame, mapping.hostGpfn);
    this.deps.memory.unpin(mapping.frame);
  }

  /** A dying domain: every mapping it holds goes; its own table's bookkeeping is cleared. */
  relinquish(domain: Domain): void {
    for (const mapping of [...domain.maptrack.values()]) this.unmap(domain, mapping, false);
    domain.grantTable.active.clear();
    domain.grantTable.frames.length = 0;
  }
}
