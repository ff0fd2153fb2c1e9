// Applying a schedule entry to the running host, and ending it: message faults through the
// hypervisor's fault admin call (what `xl fault` does), disk faults through dom0's
// /api/faults/disk, kills with SIGKILL and a start again, freezes with SIGSTOP and SIGCONT, domain
// pauses through the hypervisor's admin API (what `xl pause` does). Each entry is recorded with when it
// began and ended, for the recovery times.
import { setTimeout as sleep } from "node:timers/promises";
import { DOM0_TOKEN } from "@xenfs/testkit";
import type { ChaosHost } from "./compose-host.js";
import type { History } from "./history.js";
import type { FaultEvent } from "./scenario.js";

export interface AppliedFault {
  readonly event: FaultEvent;
  /** When it took effect and when it ended (ms since the run began); a kill ends when it is started again. */
  began?: number;
  ended?: number;
  /** Why it was not applied (its target was down), or what went wrong. */
  skipped?: string;
  /** What it did to the target's domain (a freeze past the lease: the old domid and the new). */
  outcome?: string;
}

export function describeFault(event: FaultEvent): string {
  switch (event.kind) {
    case "message":
      return `message ${event.spec} → ${event.target} for ${event.forMs}ms`;
    case "disk":
      return `disk ${event.spec} for ${event.forMs}ms`;
    case "kill":
      return `kill -9 ${event.target}, restart after ${event.restartAfterMs}ms`;
    case "freeze":
      return `SIGSTOP ${event.target} for ${event.forMs}ms`;
    case "pause":
      return `xl pause ${event.target} for ${event.forMs}ms`;
  }
}

async function call(url: string, method: string, body: unknown, token?: string): Promise<void> {
  const response = await fetch(url, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`);
}

/** The hypervisor's fault admin call (PUT /api/faults), as `xl fault <domid> <spec>` makes it. */
export function setMessageFaults(host: ChaosHost, domid: number, spec: string): Promise<void> {
  return call(`${host.hv.httpUrl}/api/faults`, "PUT", { domid, spec }, DOM0_TOKEN);
}

/** POST /api/domains/<domid>/<pause|unpause>, as `xl pause` and `xl unpause` do. */
export function domainAction(host: ChaosHost, domid: number, action: "pause" | "unpause"): Promise<void> {
  return call(`${host.hv.httpUrl}/api/domains/${domid}/${action}`, "POST", {}, DOM0_TOKEN);
}

export function setDiskFaults(dom0Url: string, spec: string): Promise<void> {
  return call(`${dom0Url}/api/faults/disk`, "PUT", { spec });
}

/** The target's domid once it is listed anew (up to 10 s after a freeze): a new one, or the same. */
async function rejoined(host: ChaosHost, target: string, before: number | undefined): Promise<string> {
  const deadline = Date.now() + 10_000;
  let now = await host.currentDomid(target);
  // Right after SIGCONT the old domain may be gone and the new one not listed yet.
  while ((now === before || now === undefined) && Date.now() < deadline) {
    await sleep(100);
    now = await host.currentDomid(target);
  }
  return now === undefined ? "none" : String(now);
}

/** Runs one entry to its end: waits for its time, applies it, waits its length, ends it. */
export async function runFault(
  host: ChaosHost,
  history: History,
  applied: AppliedFault,
  stopped: () => boolean,
): Promise<void> {
  const { event } = applied;
  await sleep(Math.max(0, event.atMs - history.now()));
  if (stopped()) {
    applied.skipped = "the run ended first";
    return;
  }
  try {
    switch (event.kind) {
      case "message": {
        const domid = await host.currentDomid(event.target);
        if (domid === undefined) {
          applied.skipped = `${event.target} is down`;
          return;
        }
        await setMessageFaults(host, domid, event.spec);
        applied.began = history.now();
        await sleep(event.forMs);
        // A domain that died meanwhile took its rules with it.
        await setMessageFaults(host, domid, "").catch(() => {});
        applied.ended = history.now();
        return;
      }
      case "disk": {
        const dom0 = host.dom0;
        if (dom0 === undefined) {
          applied.skipped = "dom0 is down";
          return;
        }
        await setDiskFaults(dom0.url, event.spec);
        applied.began = history.now();
        await sleep(event.forMs);
        // A dom0 killed meanwhile came back without them (they live in the process).
        const now = host.dom0;
        if (now !== undefined) await setDiskFaults(now.url, "").catch(() => {});
        applied.ended = history.now();
        return;
      }
      case "kill": {
        if (event.target === "dom0" ? host.dom0 === undefined : host.domidOf(event.target) === undefined) {
          applied.skipped = `${event.target} is already down`;
          return;
        }
        applied.began = history.now();
        await host.kill(event.target);
        await sleep(event.restartAfterMs);
        await host.restart(event.target);
        applied.ended = history.now();
        return;
      }
      case "freeze": {
        const service = host.service(event.target);
        if (service?.process.pid === undefined) {
          applied.skipped = `${event.target} is down`;
          return;
        }
        const before = await host.currentDomid(event.target);
        process.kill(service.process.pid, "SIGSTOP");
        applied.began = history.now();
        try {
          await sleep(event.forMs);
        } finally {
          process.kill(service.process.pid, "SIGCONT");
        }
        applied.ended = history.now();
        applied.outcome = `domain ${before} → ${await rejoined(host, event.target, before)}`;
        return;
      }
      case "pause": {
        const domid = await host.currentDomid(event.target);
        if (domid === undefined) {
          applied.skipped = `${event.target} has no domain`;
          return;
        }
        await domainAction(host, domid, "pause");
        applied.began = history.now();
        await sleep(event.forMs);
        // A domain that died meanwhile (its lease ran out) has nothing to unpause.
        await domainAction(host, domid, "unpause").catch(() => {});
        applied.ended = history.now();
        return;
      }
    }
  } catch (error) {
    applied.skipped = (error as Error).message.slice(0, 300);
  }
}
