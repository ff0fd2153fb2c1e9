// `xl remus <domain> <host>`: Remus (docs/remus.md) — checkpoints of the domain every
// --interval ms to the backup host, its outputs released as checkpoints commit, and failover to
// the backup if this host dies. With --follow xl stays, as Xen's xl remus does: one line a
// second of checkpoints, then the failover when it happens. `xl remus-stop <domain>` ends it.
import { setTimeout as delay } from "node:timers/promises";
import type { Command } from "commander";
import { ToolError } from "../errors.js";
import { HypervisorApi, type RemusPairStatus } from "./api.js";
import { findDomain } from "./domain.js";

const POLL_MS = 100;
const LINE_EVERY_MS = 1_000;

function ms(text: string, name: string, min: number): number {
  if (!/^\d{1,7}$/.test(text) || Number(text) < min)
    throw new ToolError("EINVAL", `${name} must be a whole number of ms ≥ ${min}`);
  return Number(text);
}

export function checkpointLine(pair: RemusPairStatus): string {
  const last = pair.last;
  if (!last) return `checkpoint ${pair.committed} committed`;
  return `checkpoint ${pair.committed} committed: paused ${last.pausedMs} ms, ${last.pages} pages (${last.bytes} bytes), committed in ${last.commitMs} ms`;
}

export function failoverLine(pair: RemusPairStatus, host: string): string {
  const a = pair.activated;
  if (!a) return `failover failed on ${host}: ${pair.error ?? pair.state}`;
  return `failover: domain ${a.domid} (${pair.name}) activated on ${host} from checkpoint ${a.epoch}, ${a.silentMs} ms after the primary's last word`;
}

/** Follows the pair until it ends or fails over; answers the lines it printed. */
async function follow(
  primary: HypervisorApi,
  backup: HypervisorApi,
  domid: number,
  name: string,
  host: string,
  print: (lines: string[]) => void,
): Promise<void> {
  let lastLine = 0;
  let printed = 0;
  for (;;) {
    await delay(POLL_MS);
    let pair: RemusPairStatus | undefined;
    try {
      pair = (await primary.remusStatus()).primaries.find((p) => p.domid === domid);
    } catch {
      break; // the primary is gone: the backup decides
    }
    if (!pair) throw new ToolError("ESRCH", `dom${domid} is no longer protected here`);
    if (pair.state !== "protecting" && pair.state !== "starting") {
      print([`Remus ended: ${pair.state}${pair.error ? ` (${pair.error})` : ""}`]);
      return;
    }
    if (Date.now() - lastLine >= LINE_EVERY_MS && pair.committed > printed) {
      print([checkpointLine(pair)]);
      printed = pair.committed;
      lastLine = Date.now();
    }
  }
  print([`primary unreachable; waiting for ${host} to take over ${name}`]);
  for (;;) {
    const pair = (await backup.remusStatus()).backups.find((b) => b.name === name && b.state !== "ended");
    if (pair && pair.state !== "receiving") {
      print([failoverLine(pair, host)]);
      if (pair.state !== "activated") throw new ToolError("EIO", `${name} was not activated on ${host}`);
      return;
    }
    await delay(POLL_MS);
  }
}

export function addRemus(
  xl: Command,
  api: () => HypervisorApi,
  token: () => string | undefined,
  print: (lines: string[]) => void,
): void {
  xl.command("remus")
    .description(
      "protect a running domain with a backup host: checkpoints, output commit, failover (docs/remus.md)",
    )
    .argument("<domain>", "name or domid")
    .argument("<host>", "the backup hypervisor's HTTP API, e.g. http://127.0.0.1:7002")
    .option("--token <token>", "the backup's dom0 token (default: XEN_DOM0_TOKEN)")
    .option("-i, --interval <ms>", "checkpoint interval", "50")
    .option(
      "--heartbeat <ms>",
      "the backup takes over after this long without a word from the primary",
      "500",
    )
    .option("-f, --follow", "stay and report checkpoints each second, then the failover")
    .action(
      async (
        qualifier: string,
        host: string,
        options: { token?: string; interval: string; heartbeat: string; follow?: true },
      ) => {
        const hv = api();
        hv.requireToken("remus");
        if (!URL.canParse(host) || !/^https?:$/.test(new URL(host).protocol))
          throw new ToolError("EINVAL", `${host} is not an http:// URL`);
        const intervalMs = ms(options.interval, "--interval", 5);
        const heartbeatMs = ms(options.heartbeat, "--heartbeat", 2 * intervalMs);
        const backupToken = options.token ?? token();
        if (!backupToken) throw new ToolError("EACCES", "xl remus needs the backup's dom0 token: --token");
        const attachUrl = new URL("/hypercall", host);
        attachUrl.protocol = attachUrl.protocol === "https:" ? "wss:" : "ws:";
        const { domid } = await findDomain(hv, qualifier);
        const started = await hv.remusStart(domid, {
          backup: new URL(host).origin,
          token: backupToken,
          attachUrl: attachUrl.href,
          intervalMs,
          heartbeatMs,
        });
        print([
          `Remus: domain ${domid} (${started.name}) protected by ${host}: checkpoint ${started.committed} committed, then every ${intervalMs} ms (heartbeat ${heartbeatMs} ms)`,
        ]);
        if (options.follow)
          await follow(hv, new HypervisorApi(host, backupToken), domid, started.name, host, print);
      },
    );

  xl.command("remus-stop")
    .description("end Remus protection of a domain (the backup drops its copy)")
    .argument("<domain>", "name or domid")
    .action(async (qualifier: string) => {
      const hv = api();
      hv.requireToken("remus-stop");
      const { domid } = await findDomain(hv, qualifier);
      const pair = await hv.remusStop(domid);
      print([`Remus ended for domain ${domid}: ${pair.committed} checkpoints committed`]);
    });
}
