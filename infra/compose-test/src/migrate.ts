// Live migration between the cluster's two hosts, driven from inside it as a user would: guests
// that keep data in their own frames and keep calling (guest/migrant.mjs, one on the socket
// transport, one on shm) run in a guest container; host a's toolstack moves them to host b
// (`xl migrate … http://hypervisor-b:7000 --token "$XEN_DOM0_TOKEN_B"`, the token dom0 holds for
// host b), host b's moves them back. Each move must keep every frame's bytes and fail no call.
// Shared by the compose case (migrate-hosts2) and the swarm test.
import { fileURLToPath } from "node:url";
import { docker } from "./docker.js";
import type { ClusterShell } from "./shell.js";
import { waitFor } from "./wait.js";

const MIGRANT = new URL("../guest/migrant.mjs", import.meta.url);
const READY_MS = 120_000;
const MOVE_MS = 60_000;

interface Host {
  /** The service whose toolstack migrates away from this host. */
  readonly dom0: string;
  /** Its HTTP API as the other hosts' toolstacks name it. */
  readonly url: string;
  /** The variable in the *other* host's dom0 that holds this host's dom0 token. */
  readonly tokenVar: string;
}

const HOST_A: Host = { dom0: "dom0", url: "http://hypervisor:7000", tokenVar: "XEN_DOM0_TOKEN_A" };
const HOST_B: Host = { dom0: "dom0-b", url: "http://hypervisor-b:7000", tokenVar: "XEN_DOM0_TOKEN_B" };

interface Check {
  readonly name: string;
  readonly domid: number;
  readonly url: string;
  readonly transport: string;
  readonly frames: number;
  readonly differ: readonly number[];
  readonly calls: number;
  readonly failures: number;
  readonly attached: number;
}

interface Migrant {
  readonly name: string;
  readonly port: number;
  readonly transport: "socket" | "shm";
  pid?: string;
}

export interface MigrationOptions {
  readonly shell: ClusterShell;
  readonly figure: (name: string, value: string | number) => void;
  readonly log?: (line: string) => void;
}

/** The domain names the host's hypervisor lists (asked from inside its dom0). */
async function domainNames(shell: ClusterShell, dom0: string, url: string): Promise<string[]> {
  const script = `fetch(${JSON.stringify(`${url}/api/domains`)}).then(r => r.json()).then(d => console.log(JSON.stringify(d.map(x => x.name))))`;
  return JSON.parse(await shell.exec(dom0, ["node", "-e", script])) as string[];
}

async function check(shell: ClusterShell, migrant: Migrant): Promise<Check> {
  const script = `fetch("http://127.0.0.1:${migrant.port}/check").then(r => r.text()).then(t => process.stdout.write(t))`;
  return JSON.parse(await shell.exec("domu", ["node", "-e", script])) as Check;
}

function problems(seen: Check, before: Check | undefined): string[] {
  return [
    ...(seen.differ.length > 0 ? [`frames ${seen.differ.join(",")} changed`] : []),
    ...(seen.failures > 0 ? [`${seen.failures} calls failed`] : []),
    ...(before && seen.calls <= before.calls ? ["its calls stopped"] : []),
  ];
}

async function migrate(shell: ClusterShell, migrant: Migrant, from: Host, to: Host): Promise<string> {
  return shell.exec(from.dom0, [
    "sh",
    "-c",
    `xl migrate ${migrant.name} ${to.url} --token "$${to.tokenVar}"`,
  ]);
}

/** Moves each migrant a → b → a; returns when both came back, or throws naming what broke. */
export async function migrateBetweenHosts({
  shell,
  figure,
  log = console.log,
}: MigrationOptions): Promise<void> {
  await waitFor("host b's dom0 to join its hypervisor", READY_MS, async () =>
    (await domainNames(shell, HOST_B.dom0, HOST_B.url).catch((): string[] => [])).includes("Domain-0"),
  );
  const tag = `${process.pid}-${Date.now() % 100_000}`;
  const migrants: Migrant[] = [
    { name: `migrant-socket-${tag}`, port: 7190, transport: "socket" },
    { name: `migrant-shm-${tag}`, port: 7191, transport: "shm" },
  ];
  // Beside /app/node_modules, where its import of @xenfs/libxen resolves (docker cp writes as root).
  await docker("cp", fileURLToPath(MIGRANT), `${await shell.container("domu")}:/app/migrant.mjs`);
  try {
    for (const migrant of migrants) {
      migrant.pid = await shell.exec(
        "domu",
        ["sh", "-c", `node /app/migrant.mjs >/tmp/${migrant.name}.log 2>&1 & echo $!`],
        {
          MIGRANT_NAME: migrant.name,
          MIGRANT_PORT: String(migrant.port),
          XEN_MEMORY_TRANSPORT: migrant.transport,
        },
      );
    }
    for (const migrant of migrants) {
      let before: Check = await waitFor(`${migrant.name} to join`, READY_MS, () =>
        check(shell, migrant).catch(() => undefined),
      );
      if (before.transport !== migrant.transport)
        throw new Error(`${migrant.name} runs on ${before.transport}, not ${migrant.transport}`);
      for (const [from, to] of [
        [HOST_A, HOST_B],
        [HOST_B, HOST_A],
      ] as const) {
        const out = await migrate(shell, migrant, from, to);
        log(`migrate: ${migrant.name} ${from.url} → ${to.url}\n${out}`);
        const took = /migrated (\d+) bytes in (\d+) ms/.exec(out);
        if (took)
          figure(`xl migrate ${migrant.transport} → ${to.dom0 === "dom0" ? "a" : "b"}`, `${took[2]} ms`);
        const attachUrl = to.url.replace("http:", "ws:");
        const after = await waitFor(`${migrant.name} to attach at ${attachUrl}`, MOVE_MS, async () => {
          const seen = await check(shell, migrant).catch(() => undefined);
          return seen?.url.startsWith(attachUrl) && seen.calls > before.calls ? seen : undefined;
        });
        const wrong = problems(after, before);
        if (wrong.length > 0)
          throw new Error(`${migrant.name} after moving to ${to.url}: ${wrong.join("; ")}`);
        const [there, left] = await Promise.all([
          domainNames(shell, to.dom0, to.url),
          domainNames(shell, from.dom0, from.url),
        ]);
        if (!there.includes(migrant.name)) throw new Error(`${to.url} does not list ${migrant.name}`);
        if (left.includes(migrant.name)) throw new Error(`${from.url} still lists ${migrant.name}`);
        before = after;
      }
    }
    figure("guests migrated a → b → a (frames intact, no call failed)", migrants.length);
  } catch (error) {
    for (const migrant of migrants) {
      const tail = await shell.exec("domu", ["tail", "-n", "5", `/tmp/${migrant.name}.log`]).catch(() => "");
      log(`migrate: ${migrant.name}'s log ends with:\n${tail}`);
    }
    throw error;
  } finally {
    for (const migrant of migrants) {
      if (migrant.pid) await shell.exec("domu", ["kill", migrant.pid.trim()]).catch(() => undefined);
      for (const host of [HOST_A, HOST_B])
        await shell.exec(host.dom0, ["xl", "destroy", migrant.name]).catch(() => undefined);
    }
  }
}
