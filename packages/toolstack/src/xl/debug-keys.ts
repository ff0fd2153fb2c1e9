// `xl debug-keys <keys>`: sends keys to the hypervisor as if typed on its console (g: grant-table
// usage, q: domain info, h: the list). Xen prints the dump to its console ring only; this xl also
// prints it, since it is what one runs the command for (it is in `xl dmesg` as well).
import type { Command } from "commander";
import type { HypervisorApi } from "./api.js";

export function addDebugKeys(xl: Command, api: () => HypervisorApi, print: (lines: string[]) => void): void {
  xl.command("debug-keys")
    .description("send debug keys to the hypervisor: g grant tables, q domains, h help")
    .argument("<keys>", "one or more keys, e.g. gq")
    .action(async (keys: string) => {
      print((await api().debugKeys(keys)).output);
    });
}
