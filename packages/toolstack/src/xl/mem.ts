// `xl mem-set <domain> <size>` and `xl mem-max <domain> <size>`. Sizes as xl's parse_mem_size_kb
// reads them: a number with an optional b/k/m/g/t suffix, megabytes when there is none. mem-set
// writes the guest's memory/target and its balloon driver does the rest; mem-max sets the
// reservation's ceiling. See docs/observing.md.
import type { Command } from "commander";
import { ToolError } from "../errors.js";
import type { HypervisorApi } from "./api.js";
import { findDomain } from "./domain.js";

const SHIFT: Readonly<Record<string, number>> = { t: 30, g: 20, "": 10, m: 10, k: 0 };

/** KiB, or undefined for what xl would refuse. */
export function parseMemSizeKb(text: string): number | undefined {
  const m = /^(\d+)([bkmgt]?)$/i.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = (m[2] ?? "").toLowerCase();
  const kb = unit === "b" ? Math.floor(n / 1024) : n * 2 ** (SHIFT[unit] ?? 0);
  return Number.isSafeInteger(kb) ? kb : undefined;
}

export function addMem(xl: Command, api: () => HypervisorApi): void {
  for (const [name, key, what] of [
    ["mem-set", "targetKb", "set a domain's memory target: its balloon gives frames back or takes more"],
    ["mem-max", "maxKb", "set a domain's maximum memory (the reservation's ceiling)"],
  ] as const) {
    xl.command(name)
      .description(what)
      .argument("<domain>", "name or domid")
      .argument("<size>", "e.g. 256m, 1g, 2048k (megabytes without a suffix)")
      .action(async (qualifier: string, size: string) => {
        const kb = parseMemSizeKb(size);
        if (kb === undefined) throw new ToolError("EINVAL", `invalid memory size: ${size}`);
        const hv = api();
        hv.requireToken(name);
        const { domid } = await findDomain(hv, qualifier);
        await hv.setMemory(domid, key === "targetKb" ? { targetKb: kb } : { maxKb: kb });
      });
  }
}
