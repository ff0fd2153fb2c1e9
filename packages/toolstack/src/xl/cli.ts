// `xl`, the toolstack's command line, over the hypervisor's HTTP API (XEN_HYPERVISOR_HTTP;
// XEN_DOM0_TOKEN for what changes anything). Output and messages follow xl's where xl has them.
import { DOMID } from "@xenfs/proto";
import { Command, CommanderError } from "commander";
import { ToolError } from "../errors.js";
import type { Io } from "../io.js";
import { DEFAULT_HYPERVISOR_HTTP, type DomainAction, HypervisorApi } from "./api.js";
import { addDebugKeys } from "./debug-keys.js";
import { addDmesg } from "./dmesg.js";
import { findDomain } from "./domain.js";
import { infoLines, infoRecord } from "./info.js";
import {
  HOST_HEADER,
  hostColumn,
  LIST_HEADER,
  listJson,
  listLine,
  MEMORY_HEADER,
  memoryColumns,
} from "./list.js";
import { addMem } from "./mem.js";
import { mib, ProgressBar } from "./progress.js";
import { addRemus } from "./remus.js";
import { migrateDomain, migrationLines, migrationProgress, restoreDomain, saveDomain } from "./save.js";
import { addTop } from "./top.js";
import { addTrace } from "./trace.js";
import { askOverlay } from "./xenfs-overlay.js";

function buildXl(io: Io): Command {
  const api = () =>
    new HypervisorApi(io.env.XEN_HYPERVISOR_HTTP ?? DEFAULT_HYPERVISOR_HTTP, io.env.XEN_DOM0_TOKEN);
  const print = (lines: string[]) => io.out(lines.map((l) => `${l}\n`).join(""));
  const json = (value: unknown) => io.out(`${JSON.stringify(value, null, 2)}\n`);
  const act = (action: DomainAction) => async (qualifier: string) => {
    const hv = api();
    hv.requireToken(action);
    await hv.act((await findDomain(hv, qualifier)).domid, action);
  };

  const xl = new Command("xl")
    .description("Xen's toolstack command line, against the hypervisor's HTTP API")
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.out(text), writeErr: (text) => io.err(text) });

  xl.command("list")
    .description("list domains: Name, ID, Mem (MiB), VCPUs, State, Time(s), Host")
    .argument("[domain]", "only this domain (name or domid)")
    .option("--json", "the domains as JSON, frames and reported Rss/Pss bytes included")
    .option("-m, --memory", "add each domain process's own Rss and Pss (MiB), as it reports them")
    .action(async (qualifier: string | undefined, options: { json?: true; memory?: true }) => {
      const hv = api();
      const domains = qualifier === undefined ? await hv.domains() : [await findDomain(hv, qualifier)];
      if (options.json) json(domains.map(listJson));
      else if (options.memory)
        print([
          LIST_HEADER + MEMORY_HEADER + HOST_HEADER,
          ...domains.map((d) => listLine(d) + memoryColumns(d) + hostColumn(d)),
        ]);
      else print([LIST_HEADER + HOST_HEADER, ...domains.map((d) => listLine(d) + hostColumn(d))]);
    });

  xl.command("info")
    .description(
      "the host's memory: MiB and 4 KiB frames total, used, shared, free; domains; real memory (Pss, memory file)",
    )
    .option("--json", "the same keys as JSON")
    .action(async (options: { json?: true }) => {
      const memory = await api().memory();
      if (options.json) json(infoRecord(memory));
      else print(infoLines(memory));
    });

  for (const [action, what] of [
    ["pause", "pause a domain: its hypercalls wait, no events are delivered"],
    ["unpause", "unpause a paused domain"],
    ["destroy", "destroy a domain and release its frames, grants and ports"],
  ] as const) {
    xl.command(action).description(what).argument("<domain>", "name or domid").action(act(action));
  }

  xl.command("domid")
    .description("the domid of a domain name")
    .argument("<name>")
    .action(async (name: string) => {
      const domain = (await api().domains()).find((d) => d.name === name);
      if (!domain) {
        throw new ToolError(
          "ESRCH",
          `Can't get domid of domain name '${name}', maybe this domain does not exist.`,
        );
      }
      print([String(domain.domid)]);
    });

  xl.command("domname")
    .description("the name of a domid")
    .argument("<domid>")
    .action(async (id: string) => {
      if (!/^\d+$/.test(id)) throw new ToolError("EINVAL", "Invalid domain id.\n");
      const domain = (await api().domains()).find((d) => d.domid === Number(id));
      if (!domain) {
        throw new ToolError(
          "ESRCH",
          `Can't get domain name of domain id '${id}', maybe this domain does not exist.`,
        );
      }
      print([domain.name]);
    });

  xl.command("mem-share")
    .description("share identical RAM pages of a guest (or of every guest) into one read-only frame each")
    .argument("[domain]", "name or domid")
    .option("--all", "every guest")
    .action(async (qualifier: string | undefined, options: { all?: true }) => {
      if ((qualifier === undefined) === !options.all) {
        throw new ToolError("EINVAL", "xl mem-share: give a domain or --all");
      }
      const hv = api();
      hv.requireToken("mem-share");
      const domid = qualifier === undefined ? undefined : (await findDomain(hv, qualifier)).domid;
      const done = await hv.memShare(domid);
      print([
        `pages scanned: ${done.scanned}, shared now: ${done.shared}, skipped: ${done.skipped}`,
        `shared frames: ${done.sharedFrames}, frames saved: ${done.savedFrames}`,
      ]);
    });

  xl.command("fault")
    .description("replace a domain's injected faults (docs/faults.md); with no domain, show them")
    .argument("[domain]", 'name or domid; "xen" for the hypervisor-wide rules')
    .argument("[spec]", 'rules, e.g. "drop=0.01,delay.from=5..20ms,reorder=8,evtchn_lose=0.1,partition=5s"')
    .option("--clear", "remove the domain's rules")
    .action(async (qualifier: string | undefined, spec: string | undefined, options: { clear?: true }) => {
      const hv = api();
      hv.requireToken("fault");
      if (qualifier === undefined) {
        const { spec: current } = await hv.faults();
        if (current) print(current.split(","));
        return;
      }
      if ((spec === undefined) === !options.clear) {
        throw new ToolError("EINVAL", "xl fault: give either a spec or --clear");
      }
      const domid = qualifier === "xen" ? DOMID.XEN : (await findDomain(hv, qualifier)).domid;
      await hv.setFaults(domid, spec ?? "");
    });

  // A cow guest's overlay in dom0 (docs/xenfs.md "cow mode"), asked through XenStore.
  xl.command("xenfs-diff")
    .description("list a cow guest's changes to the XenFS export: A added, C changed, D deleted")
    .argument("<domain>", "name or domid")
    .action(async (qualifier: string) => {
      print(await askOverlay(io.env, (await findDomain(api(), qualifier)).name, "diff"));
    });
  xl.command("xenfs-reset")
    .description("discard a cow guest's changes to the XenFS export (best while it is stopped or idle)")
    .argument("<domain>", "name or domid")
    .action(async (qualifier: string) => {
      await askOverlay(io.env, (await findDomain(api(), qualifier)).name, "reset");
    });

  addDmesg(xl, api, print);
  addDebugKeys(xl, api, print);
  addMem(xl, api);
  addTop(xl, api, io);
  addTrace(xl, api, (text) => io.out(text));
  addRemus(xl, api, () => io.env.XEN_DOM0_TOKEN, print);
  const target = () => ({
    base: io.env.XEN_HYPERVISOR_HTTP ?? DEFAULT_HYPERVISOR_HTTP,
    token: io.env.XEN_DOM0_TOKEN,
  });
  xl.command("save")
    .description("suspend a domain, write its image to a file, and destroy it (docs/migration.md)")
    .argument("<domain>", "name or domid")
    .argument("<file>", "the image (written mode 0600)")
    .action(async (qualifier: string, file: string) => {
      const hv = api();
      hv.requireToken("save");
      const { domid } = await findDomain(hv, qualifier);
      print([`Saving to ${file}`]);
      const bar = new ProgressBar(io);
      bar.update(undefined, "suspending…", true);
      const bytes = await saveDomain(target(), domid, file, (p) =>
        bar.update(p.total === undefined ? undefined : p.bytes / p.total, `${mib(p.bytes)} written`),
      ).finally(() => bar.done());
      print([`Domain ${domid} saved: ${bytes} bytes`]);
    });
  xl.command("restore")
    .description("restore a domain from an image; its process attaches to it")
    .argument("<file>", "an image written by xl save")
    .action(async (file: string) => {
      api().requireToken("restore");
      print([`Loading new save file ${file}`]);
      const { domid, name } = await restoreDomain(target(), file);
      print([`Domain ${domid} (${name}) restored`]);
    });

  xl.command("migrate")
    .description("move a running domain to another host, live (log-dirty pre-copy rounds)")
    .argument("<domain>", "name or domid")
    .argument("<host>", "the target hypervisor's HTTP API, e.g. http://127.0.0.1:7100")
    .option("--token <token>", "the target's dom0 token (default: XEN_DOM0_TOKEN)")
    .action(async (qualifier: string, host: string, options: { token?: string }) => {
      const hv = api();
      hv.requireToken("migrate");
      if (!URL.canParse(host) || !/^https?:$/.test(new URL(host).protocol))
        throw new ToolError("EINVAL", `${host} is not an http:// URL`);
      const { domid, frames } = await findDomain(hv, qualifier);
      const bar = new ProgressBar(io);
      const result = await migrateDomain(
        target(),
        { base: host, token: options.token ?? target().token },
        domid,
        (p) => bar.update(...migrationProgress(p, frames)),
      ).finally(() => bar.done());
      print(migrationLines(result));
      print([`migration target: domain ${result.domid} (${result.name}) running at ${host}`]);
    });

  return xl;
}

/** Runs `xl` with `argv` (no node or script path); answers the exit status. */
export async function runXl(argv: readonly string[], io: Io): Promise<number> {
  try {
    await buildXl(io).parseAsync([...argv], { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode; // commander has said why
    if (!(error instanceof ToolError)) throw error;
    io.err(`${error.message}\n`);
    return error.exitCode;
  }
}
