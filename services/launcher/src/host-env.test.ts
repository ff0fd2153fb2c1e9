import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { describeHost } from "./addresses.js";
import { writeHostEnvFiles } from "./host-env.js";
import { parseOptions } from "./options.js";
import { planHost } from "./plan.js";

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe("host env files", () => {
  it("names hosts a, b and gives xl each one's URL, dom0 token and XenStore socket, readable by the user alone", async () => {
    const runDir = await mkdtemp(join(tmpdir(), "xenfs-hostenv-"));
    dirs.push(runDir);
    // A token file of an earlier run with more hosts must not stay behind.
    await mkdir(join(runDir, "hosts"));
    await writeFile(join(runDir, "hosts", "c.env"), "XEN_DOM0_TOKEN=old\n");
    const plan = planHost(
      parseOptions(["--hosts", "2"]),
      { exportDir: "/x/export", xenstoredPath: join(runDir, "xenstored.sock") },
      { cluster: "ca", dom0: "da" },
      [{ cluster: "cb", dom0: "db" }],
    );
    expect(plan.hypervisor.env["XEN_HOST_NAME"]).toBe("a");
    expect(plan.others[0]?.hypervisor.env["XEN_HOST_NAME"]).toBe("b");

    const files = await writeHostEnvFiles(runDir, [plan, ...plan.others]);
    expect(files.map((f) => [f.name, f.url])).toEqual([
      ["a", "http://127.0.0.1:7000"],
      ["b", "http://127.0.0.1:7002"],
    ]);
    expect(await readdir(join(runDir, "hosts"))).toEqual(["a.env", "b.env"]);
    expect(await readFile(join(runDir, "hosts", "b.env"), "utf8")).toBe(
      `XEN_HYPERVISOR_HTTP=http://127.0.0.1:7002\nXEN_DOM0_TOKEN=db\nXENSTORED_PATH=${join(runDir, "xenstored-b.sock")}\n`,
    );
    expect((await stat(join(runDir, "hosts", "a.env"))).mode & 0o777).toBe(0o600);
    expect((await stat(join(runDir, "hosts"))).mode & 0o777).toBe(0o700);

    const lines = describeHost(
      { services: [], skipped: [], exportDir: "/x/export", xenstoredPath: "/x/xs.sock", hostEnv: files },
      runDir,
    );
    expect(lines).toContain("host b     http://127.0.0.1:7002  xl: env $(cat hosts/b.env) pnpm -s xl list");
  });
});
