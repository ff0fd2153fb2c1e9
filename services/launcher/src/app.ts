// The composition root: from launch options to a running host. Prepares the export (the
// sample tree unless --export is given; in block mode, its ext4 image too), plans the processes with fresh tokens, skips services
// that are not in this tree yet, checks the ports and starts everything in order.
import { randomBytes } from "node:crypto";
import { mkdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { prepareBlockImage } from "./block-image.js";
import { OptionError, ServiceMissingError } from "./errors.js";
import { type Launchable, type RunningHost, startHost } from "./host.js";
import { type HostEnvFile, writeHostEnvFiles } from "./host-env.js";
import type { LaunchOptions } from "./options.js";
import { type HostPlan, planHost, type Role, SERVICE_FOLDERS } from "./plan.js";
import { assertPortsFree } from "./ports.js";
import { DEFAULT_RESTART_POLICY, type RestartPolicy } from "./restart-policy.js";
import { ensureSampleTree } from "./sample-tree.js";
import { findServiceEntry, REPO_ROOT } from "./service-entry.js";

export interface HostOptions extends LaunchOptions {
  /** Holds `export/` (the sample tree), `logs/` and the xenstored socket. */
  readonly runDir: string;
  readonly readyTimeoutMs?: number;
  readonly stopDeadlineMs?: number;
  /** Restart limit and backoff; the defaults unless a test says otherwise (`restart` wins). */
  readonly restartPolicy?: RestartPolicy;
  readonly onProgress?: (message: string) => void;
  /** Crashes and restarts; onProgress when absent. */
  readonly onEvent?: (message: string) => void;
  readonly abort?: AbortSignal;
  /** Where services/ is; the repository this launcher belongs to unless a test says otherwise. */
  readonly repoRoot?: string;
}

export interface SkippedService {
  readonly name: string;
  readonly reason: string;
}

export interface Host extends RunningHost {
  readonly plan: HostPlan;
  readonly exportDir: string;
  readonly xenstoredPath: string;
  readonly skipped: readonly SkippedService[];
  /** Each host's env file for the toolstack (a, b, …). */
  readonly hostEnv: readonly HostEnvFile[];
}

export const DEFAULT_RUN_DIR = join(REPO_ROOT, "run");
// Unbuilt services compile through tsx on two shared cores: give them time.
const READY_TIMEOUT_MS = 60_000;
const STOP_DEADLINE_MS = 10_000;

export async function runHost(options: HostOptions): Promise<Host> {
  const exportDir = await prepareExport(options);
  const logDir = join(options.runDir, "logs");
  const xenstoredPath = join(options.runDir, "xenstored.sock");
  const blockImage =
    options.mode === "block"
      ? await prepareBlockImage(exportDir, options.blockImage, options.runDir, options.repoRoot)
      : undefined;
  const fresh = () => ({
    cluster: randomBytes(24).toString("base64url"),
    dom0: randomBytes(24).toString("base64url"),
  });
  const plan = planHost(
    options,
    { exportDir, xenstoredPath, ...(blockImage === undefined ? {} : { blockImage }) },
    fresh(),
    Array.from({ length: options.hosts - 1 }, fresh),
  );
  const { launchable, skipped } = selectPresent(plan, options.repoRoot, options.fromSource);
  await assertPortsFree(launchable.flat().map(({ spec }) => spec.port));
  await mkdir(logDir, { recursive: true });
  const hostEnv = await writeHostEnvFiles(options.runDir, [plan, ...plan.others]);
  const running = await startHost(launchable, {
    logDir,
    readyTimeoutMs: options.readyTimeoutMs ?? READY_TIMEOUT_MS,
    stopDeadlineMs: options.stopDeadlineMs ?? STOP_DEADLINE_MS,
    policy: { ...(options.restartPolicy ?? DEFAULT_RESTART_POLICY), restart: options.restart },
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    ...(options.abort ? { abort: options.abort } : {}),
  });
  return { ...running, plan, exportDir, xenstoredPath, skipped, hostEnv };
}

async function prepareExport(options: HostOptions): Promise<string> {
  if (options.exportDir === undefined) {
    const dir = join(options.runDir, "export");
    await ensureSampleTree(dir);
    return dir;
  }
  const dir = resolve(options.exportDir);
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new OptionError(`--export ${options.exportDir} is not a directory`);
  return dir;
}

/**
 * The hypervisor is required. Without dom0 there is nothing for guests to mount, so a missing
 * dom0 skips the guests too; the host still runs, to show what exists.
 */
function selectPresent(
  plan: HostPlan,
  repoRoot: string | undefined,
  sourceOnly: boolean,
): { launchable: Launchable[][]; skipped: SkippedService[] } {
  const hypervisor = findServiceEntry("hypervisor", repoRoot, sourceOnly);
  if (hypervisor === undefined) throw new ServiceMissingError(`services/${SERVICE_FOLDERS.hypervisor}`);
  const dom0 = findServiceEntry("dom0", repoRoot, sourceOnly);
  const guest = dom0 && findServiceEntry("guest", repoRoot, sourceOnly);
  const guestSkipReason = dom0 ? notInTree("guest") : "needs dom0, which is not in this tree";
  // Every host's hypervisor, then every host's dom0 (all export the same directory), then guests.
  return {
    launchable: [
      [plan.hypervisor, ...plan.others.map((o) => o.hypervisor)].map((spec) => ({ spec, entry: hypervisor })),
      ...(dom0
        ? [[plan.dom0, ...plan.others.map((o) => o.dom0)].map((spec) => ({ spec, entry: dom0 }))]
        : []),
      ...(guest && plan.guests.length > 0 ? [plan.guests.map((spec) => ({ spec, entry: guest }))] : []),
    ],
    skipped: [
      ...(dom0
        ? []
        : [plan.dom0, ...plan.others.map((o) => o.dom0)].map(({ name }) => ({
            name,
            reason: notInTree("dom0"),
          }))),
      ...(guest ? [] : plan.guests.map((spec) => ({ name: spec.name, reason: guestSkipReason }))),
    ],
  };
}

function notInTree(role: Role): string {
  return `services/${SERVICE_FOLDERS[role]} is not in this tree yet`;
}
