// The Docker engine and Compose as the test drives them: compose commands for what the issue
// names (kill, start, restart, pause), plain docker for one replica and for addresses.
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const exec = promisify(execFile);

async function run(command: readonly string[], args: readonly string[]): Promise<string> {
  const [file, ...head] = command;
  if (!file) throw new Error("empty command");
  try {
    const { stdout } = await exec(file, [...head, ...args], { maxBuffer: 64 * 1024 * 1024 });
    return stdout.trim();
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim() ?? "";
    throw new Error(`${[file, ...head, ...args].join(" ")} failed: ${stderr || (error as Error).message}`);
  }
}

export function docker(...args: string[]): Promise<string> {
  return run(["docker"], args);
}

/** A script of this repository, e.g. infra/chaos/netem.sh. */
export function script(path: string, ...args: string[]): Promise<string> {
  return run([path], args);
}

export class Compose {
  /** `command`: `docker-compose` or `docker compose`; `files`: the -f files in order. */
  constructor(
    private readonly command: readonly string[],
    readonly project: string,
    private readonly files: readonly string[],
  ) {}

  run(...args: string[]): Promise<string> {
    return run(this.command, ["-p", this.project, ...this.files.flatMap((f) => ["-f", f]), ...args]);
  }

  /** Running containers of a service, by the labels both Compose versions set. */
  async running(service: string): Promise<string[]> {
    const out = await docker(
      "ps",
      "-q",
      "--no-trunc",
      "--filter",
      `label=com.docker.compose.project=${this.project}`,
      "--filter",
      `label=com.docker.compose.service=${service}`,
    );
    return out === "" ? [] : out.split("\n").sort();
  }

  async one(service: string): Promise<string> {
    const [id, ...more] = await this.running(service);
    if (!id || more.length > 0) throw new Error(`expected one running ${service} container`);
    return id;
  }
}

/** The container's address on its compose network; the host reaches it directly on Linux. */
export async function containerIp(id: string): Promise<string> {
  const ip = await docker("inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", id);
  if (ip === "") throw new Error(`container ${id.slice(0, 12)} has no address`);
  return ip;
}
