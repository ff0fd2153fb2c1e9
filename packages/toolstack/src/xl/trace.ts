// `xl trace [--domain d] [--ops kinds|ops] [-n count]`: the hypervisor's trace as JSON lines, like
// xentrace piped through xenalyze — hypercalls with durations, event sends, grant maps and unmaps,
// upcalls, each with a timestamp. Runs until interrupted, or until `-n` records have come.
// Tracing costs the hypervisor nothing while no one runs this (docs/observing.md#tracing).
import type { Command } from "commander";
import { ToolError } from "../errors.js";
import type { HypervisorApi } from "./api.js";
import { findDomain } from "./domain.js";

interface TraceOptions {
  domain?: string;
  ops?: string;
  count?: string;
}

export function addTrace(xl: Command, api: () => HypervisorApi, out: (text: string) => void): void {
  xl.command("trace")
    .description("stream hypercalls, events, grant maps/unmaps, upcalls and XenFS requests as JSON lines")
    .option("--domain <domain>", "only this domain's records (name or domid), as actor or peer")
    .option(
      "--ops <list>",
      "comma-separated kinds (hypercall,event,grant_map,grant_unmap,upcall,xenfs) or op names",
    )
    .option("-n, --count <n>", "stop after this many records")
    .action(async (options: TraceOptions) => {
      const count = options.count === undefined ? Infinity : Number(options.count);
      if (!(count > 0 && (count === Infinity || Number.isInteger(count)))) {
        throw new ToolError("EINVAL", `xl trace: --count must be a whole number > 0, got ${options.count}`);
      }
      const hv = api();
      hv.requireToken("trace");
      const query = new URLSearchParams();
      if (options.domain !== undefined)
        query.set("domain", String((await findDomain(hv, options.domain)).domid));
      if (options.ops) query.set("ops", options.ops);
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once("SIGINT", stop);
      try {
        let seen = 0;
        for await (const record of hv.trace(query, abort.signal)) {
          out(`${record}\n`);
          if (++seen >= count) break;
        }
      } finally {
        process.off("SIGINT", stop);
        abort.abort();
      }
    });
}
