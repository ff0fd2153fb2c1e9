// Debug keys (Xen's keyhandler.c): a key names a dump the hypervisor prints to its console.
// 'g' is grant_table.c's gnttab_usage_print_all, line for line; 'q' is keyhandler.c's
// dump_domains, with what this hypervisor has of it (one VCPU, no rangesets or NUMA nodes);
// 'h' lists the keys. The dump goes to the console ring, where `xl dmesg` finds it, and back to
// the caller (`xl debug-keys` prints it too).
import type { Domain } from "../domain/domain.js";
import { MAX_GRANT_FRAMES } from "../grant-table/grant-table.js";
import { MAX_MAPTRACK } from "../grant-table/maptrack.js";
import type { Xen } from "../xen.js";

/** struct grant_mapping is 8 bytes: 512 to a 4 KiB maptrack frame. */
const MAPTRACK_PER_FRAME = 4096 / 8;
/** GNTPIN_hstw_inc and GNTPIN_hstr_inc: writable host mappings count in bits 0–7, read-only in 8–15. */
const GNTPIN_HSTW_INC = 1 << 0;
const GNTPIN_HSTR_INC = 1 << 8;

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
const dec = (n: number, width: number) => String(n).padStart(width);

function gnttabUsagePrint(rd: Domain): string[] {
  const gt = rd.grantTable;
  const out = [
    "      -------- active --------       -------- shared --------",
    "[ref] localdom mfn      pin          localdom gmfn     flags",
    `grant-table for remote d${rd.domid} (v1)`,
    `  ${gt.frames.length} frames (${MAX_GRANT_FRAMES} max), ${Math.ceil(rd.maptrack.size / MAPTRACK_PER_FRAME)} maptrack frames (${MAX_MAPTRACK / MAPTRACK_PER_FRAME} max)`,
  ];
  const refs = [...gt.active.keys()].sort((a, b) => a - b);
  let first = true;
  for (const ref of refs) {
    const act = gt.active.get(ref);
    const pin = act ? act.writers * GNTPIN_HSTW_INC + act.readers * GNTPIN_HSTR_INC : 0;
    if (!pin || !gt.validRef(ref)) continue;
    const sha = gt.entry(ref);
    // act->domid is the domain the entry grants to; act->mfn the frame behind the entry's gpfn.
    const mfn = rd.p2m.get(sha.frame)?.frame.mfn ?? 0;
    first = false;
    out.push(
      `[0x${hex(ref, 3)}]  ${dec(sha.domid, 5)} 0x${hex(mfn, 5)} 0x${hex(pin, 8)}      ${dec(sha.domid, 5)} 0x${hex(sha.frame, 6)} 0x${hex(sha.flags, 2)}`,
    );
  }
  if (first) out.push("no active grant table entries");
  return out;
}

function dumpDomain(d: Domain): string[] {
  const shared = [...d.owned].filter((f) => f.mapCount > 0).length;
  const pending = d.evtchn.upcallPending ? "01" : "00";
  const out = [
    `General information for domain ${d.domid}:`,
    `    refcnt=1 dying=${d.live ? 0 : 2} pause_count=${d.state === "paused" ? 1 : 0}`,
    `    nr_pages=${d.owned.size} xenheap_pages=0 shared_pages=${shared} paged_pages=0 dirty_cpus={} max_pages=${d.maxFrames}`,
    `    handle=00000000-0000-0000-0000-${hex(d.domid, 12)} vm_assist=00000000`,
    `    name=${d.name} state=${d.state} session=${d.link.connected ? "connected" : "dropped"} mapped=${d.maptrack.size} transport=${d.transport}`,
    `VCPU information and callbacks for domain ${d.domid}:`,
    `    VCPU0: CPU0 [has=${d.state === "running" ? "T" : "F"}] poll=0 upcall_pend=${pending} upcall_mask=00`,
  ];
  for (const [port, channel] of d.evtchn.entries()) {
    const what =
      channel.state === "interdomain"
        ? `interdomain d${channel.remoteDom}:${channel.remotePort}`
        : channel.state === "unbound"
          ? `unbound remote=d${channel.remoteDom}`
          : `virq ${channel.virq}`;
    const p = d.evtchn.isPending(port) ? 1 : 0;
    const m = d.evtchn.isMasked(port) ? 1 : 0;
    out.push(`    port ${dec(port, 4)}: ${what} pending=${p} masked=${m}`);
  }
  return out;
}

export const DEBUG_KEYS: Readonly<Record<string, { help: string; run: (xen: Xen) => string[] }>> = {
  g: {
    help: "print grant table usage",
    run: (xen) => [
      "gnttab_usage_print_all [ key 'g' pressed",
      ...xen.domains.all().flatMap(gnttabUsagePrint),
      "gnttab_usage_print_all ] done",
    ],
  },
  q: {
    help: "dump domain (and guest debug) info",
    run: (xen) => [
      `'q' pressed -> dumping domain info (now = 0x${hex(Math.round(performance.now() * 1e6), 0)})`,
      ...xen.domains.all().flatMap(dumpDomain),
    ],
  },
  h: {
    help: "display this help",
    run: () => [
      "'h' pressed -> showing installed handlers",
      ...Object.entries(DEBUG_KEYS).map(
        ([key, { help }]) => ` key '${key}' (ascii '${hex(key.charCodeAt(0), 2)}') => ${help}`,
      ),
    ],
  },
};

/** Runs each key in turn (xl debug-keys sends a string of them); an unknown key says so. */
export function debugKeys(xen: Xen, keys: string): string[] {
  return [...keys].flatMap((key) => {
    const handler = DEBUG_KEYS[key];
    return handler
      ? handler.run(xen)
      : [`'${key}' pressed -> no handler (ascii '${hex(key.charCodeAt(0), 2)}')`];
  });
}
