// What the toolstack needs to reach each host this launcher runs: its hypervisor's HTTP API, its
// dom0 token and its XenStore socket, in `<run dir>/hosts/<name>.env` (mode 0600: the token lets
// xl change anything). Hosts know each other only through the toolstack (docs/migration.md#hosts),
// so this is how a user hands host b's address and token to `xl migrate`.
import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LOOPBACK, type PeerHost } from "./plan.js";

export interface HostEnvFile {
  /** The host's name (XEN_HOST_NAME): a, b, … */
  readonly name: string;
  readonly path: string;
  /** The hypervisor's HTTP API. */
  readonly url: string;
}

/** Writes one env file per host (the first host is a, then b, c, …) and says where. */
export async function writeHostEnvFiles(runDir: string, hosts: readonly PeerHost[]): Promise<HostEnvFile[]> {
  const dir = join(runDir, "hosts");
  await rm(dir, { recursive: true, force: true }); // no token of an earlier run stays
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  return Promise.all(
    hosts.map(async ({ hypervisor }) => {
      const name = hypervisor.env["XEN_HOST_NAME"] ?? hypervisor.name;
      const path = join(dir, `${name}.env`);
      const url = `http://${LOOPBACK}:${hypervisor.port}`;
      const lines = [
        `XEN_HYPERVISOR_HTTP=${url}`,
        `XEN_DOM0_TOKEN=${hypervisor.env["XEN_DOM0_TOKEN"] ?? ""}`,
        `XENSTORED_PATH=${hypervisor.env["XENSTORED_PATH"] ?? ""}`,
      ];
      await writeFile(path, `${lines.join("\n")}\n`, { mode: 0o600 });
      return { name, path, url };
    }),
  );
}
