// The NFS peer: Debian's nfs-ganesha (a user-space NFS server, VFS back end) exporting the
// bench's directory over loopback on a port of its own, NFSv4 only — NFSv3 would make ganesha
// register with rpcbind, and fail to start without it. Its configuration, log and recovery
// directory live in a temp dir; the bench starts and stops it. The readers use libnfs's tools and
// the bench's NFSv4 client (nfs-source.ts), because this machine's kernel may have no NFS client
// (kernelNfsClient()).
// The bench installs nothing: when a part is missing it says which, and the apt line.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export const NFS_APT = "apt-get install -y nfs-ganesha nfs-ganesha-vfs libnfs-utils";
const GANESHA = "ganesha.nfsd";
/** The path the export has in ganesha's NFSv4 pseudo file system. */
export const NFS_PSEUDO = "/xenfs";
const START_MS = 30_000;
const STOP_MS = 15_000;

/** Why the kernel's NFS client cannot be used here, or undefined when it can. */
export function kernelNfsClient(): string | undefined {
  let filesystems = "";
  try {
    filesystems = readFileSync("/proc/filesystems", "utf8");
  } catch {
    return "no /proc/filesystems: not Linux";
  }
  if (/\bnfs4?\b/.test(filesystems)) {
    return "the kernel has an NFS client, but mounting needs CAP_SYS_ADMIN and a mount point the bench does not take";
  }
  const modprobe = spawnSync("modprobe", ["-n", "nfs"], { stdio: "ignore" });
  const modules = modprobe.error
    ? "no modprobe"
    : modprobe.status === 0
      ? "modprobe -n nfs works"
      : "no nfs module";
  return `the kernel has no NFS client (no nfs in /proc/filesystems; ${modules})`;
}

/** Why the NFS peer cannot run here (a missing program, not root), or undefined. */
export function nfsPeerMissing(): string | undefined {
  const missing = [GANESHA, "nfs-cat"].filter(
    (program) => spawnSync("sh", ["-c", `command -v ${program}`], { stdio: "ignore" }).status !== 0,
  );
  if (missing.length > 0) return `no ${missing.join(", ")} on PATH (${NFS_APT})`;
  // ganesha's VFS back end opens files by handle (open_by_handle_at): CAP_DAC_READ_SEARCH.
  if (process.getuid?.() !== 0) return "ganesha's VFS back end needs root (open_by_handle_at)";
  return undefined;
}

export interface NfsServer {
  /** nfs://127.0.0.1/xenfs/<path>?version=4&nfsport=<port>: a libnfs URL of a path in the export. */
  urlOf(path: string): string;
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

function config(exportDir: string, dir: string, port: number): string {
  return `NFS_CORE_PARAM {
  NFS_Port = ${port};
  Bind_addr = 127.0.0.1;
  Protocols = 4;
  Enable_NLM = false;
  Enable_RQUOTA = false;
  Enable_UDP = false;
  # 1 MiB WRITEs: the request with its header is larger than the default 1 MiB buffer.
  MaxRPCRecvBufferSize = 4194304;
}
NFSv4 {
  Graceless = true;
  RecoveryBackend = fs;
  RecoveryRoot = ${join(dir, "recovery")};
}
EXPORT {
  Export_Id = 1;
  Path = ${exportDir};
  Pseudo = ${NFS_PSEUDO};
  Access_Type = RW;
  Squash = No_Root_Squash;
  SecType = sys;
  Protocols = 4;
  Transports = TCP;
  FSAL { Name = VFS; }
}
LOG { Default_Log_Level = EVENT; }
`;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** The lines of ganesha's log that say why it stopped (MAJ, CRIT, FATAL). */
async function logProblems(log: string): Promise<string> {
  const text = await readFile(log, "utf8").catch(() => "");
  const lines = text.split("\n").filter((line) => /:(MAJ|CRIT|FATAL) :/.test(line) && !/:DBUS :/.test(line));
  return lines.slice(-3).join(" | ") || "no reason in its log";
}

export async function startNfsServer(exportDir: string): Promise<NfsServer> {
  const dir = await mkdtemp(join(tmpdir(), "xenfs-bench-ganesha-"));
  await mkdir(join(dir, "recovery"));
  const port = await freePort();
  const conf = join(dir, "ganesha.conf");
  const log = join(dir, "ganesha.log");
  await writeFile(conf, config(exportDir, dir, port));
  // -F: in the foreground, so the pid is ganesha's own and stop() can wait for it.
  const child: ChildProcess = spawn(
    GANESHA,
    ["-F", "-f", conf, "-L", log, "-p", join(dir, "ganesha.pid"), "-N", "NIV_EVENT"],
    { stdio: "ignore" },
  );
  const exited = once(child, "exit");
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = sleep(STOP_MS).then(() => child.kill("SIGKILL"));
      await Promise.race([exited, timer]);
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + START_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const reason = await logProblems(log);
      await stop();
      throw new Error(`ganesha.nfsd exited at start (${child.exitCode ?? child.signalCode}): ${reason}`);
    }
    const initialized = (await readFile(log, "utf8").catch(() => "")).includes("NFS SERVER INITIALIZED");
    if (initialized && (await accepts(port))) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`ganesha.nfsd did not serve port ${port} within ${START_MS / 1000} s`);
    }
    await sleep(100);
  }
  return {
    pid: child.pid ?? -1,
    port,
    urlOf: (path) => `nfs://127.0.0.1${NFS_PSEUDO}/${path.replace(/^\/+/, "")}?version=4&nfsport=${port}`,
    stop,
  };
}
