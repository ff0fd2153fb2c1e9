// `xl dmesg [-c]`: the hypervisor's console ring, oldest line first; -c clears it after reading.
import type { Command } from "commander";
import type { HypervisorApi } from "./api.js";

export function addDmesg(xl: Command, api: () => HypervisorApi, print: (lines: string[]) => void): void {
  xl.command("dmesg")
    .description("the hypervisor's console ring (its log lines and debug-key dumps)")
    .option("-c, --clear", "clear the ring after reading it")
    .action(async (options: { clear?: true }) => {
      print((await api().dmesg(options.clear === true)).lines);
    });
}
