import { createServer } from "node:net";
import { hostname } from "node:os";
import type { XenDomain } from "@xenfs/libxen";
import { DOM0_TOKEN } from "@xenfs/testkit";
import { runXl, type ToolEnv } from "@xenfs/toolstack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureIo, startTestHost, type TestHost } from "./host.js";

let host: TestHost;
let web: XenDomain;
let db: XenDomain;

beforeAll(async () => {
  host = await startTestHost();
  await host.join("Domain-0", DOM0_TOKEN);
  web = await host.join("web");
  db = await host.join("db");
  await web.memory.populatePhysmap(300); // 300 frames: 1 MiB and a bit
});
afterAll(() => host.stop());

async function xl(args: string[], env: ToolEnv = host.env) {
  const captured = captureIo(env);
  const status = await runXl(args, captured.io);
  return { status, stdout: captured.stdout().toString(), stderr: captured.stderr() };
}

/** Each domain's CPU time as /api/domains has it (what its process last reported). */
async function cpuTimes(): Promise<Map<string, number>> {
  const domains = (await (await fetch(`${host.hv.httpUrl}/api/domains`)).json()) as {
    name: string;
    cpuSeconds: number | null;
  }[];
  return new Map(domains.map((d) => [d.name, d.cpuSeconds ?? 0]));
}

let times = new Map<string, number>();

/** xl run between two equal readings of the CPU times, so `row` knows the Time(s) xl printed. */
async function xlSteady(args: string[]) {
  for (;;) {
    const before = await cpuTimes();
    const run = await xl(args);
    const after = await cpuTimes();
    if ([...before].every(([name, t]) => after.get(name) === t)) {
      times = before;
      return run;
    }
  }
}

const row = (name: string, domid: number, mem: number, flags: string) =>
  `${name.padEnd(40)} ${String(domid).padStart(5)} ${String(mem).padStart(5)}     1     ${flags}  ${(times.get(name) ?? 0).toFixed(1).padStart(8)}`;
/** xl list's last column: the host the domain runs on, as the hypervisor names itself. */
const onHost = () => `  ${hostName}`;
let hostName = "";

describe("xl list and xl info", () => {
  it("lists domains as xl does: Name, ID, Mem in whole MiB, VCPUs, the six state letters, Time(s); then the Host", async () => {
    hostName = ((await (await fetch(`${host.hv.httpUrl}/api/domains`)).json()) as { host: string }[])[0]!
      .host;
    expect(hostName).toBe(`${hostname()}:${new URL(host.hv.httpUrl).port}`);
    expect(await xlSteady(["list"])).toEqual({
      status: 0,
      stdout: [
        "Name                                        ID   Mem VCPUs\tState\tTime(s)  Host",
        row("Domain-0", 0, 0, "r-----") + onHost(),
        row("web", web.domid, 1, "r-----") + onHost(),
        row("db", db.domid, 0, "r-----") + onHost(),
        "",
      ].join("\n"),
      stderr: "",
    });
    expect((await xlSteady(["list", "web"])).stdout.split("\n")[1]).toBe(
      row("web", web.domid, 1, "r-----") + onHost(),
    );
  });

  it("list --json carries the frames behind Mem and the state letters", async () => {
    const listed = JSON.parse((await xl(["list", "--json", String(web.domid)])).stdout) as unknown[];
    expect(listed).toEqual([
      expect.objectContaining({
        domid: web.domid,
        name: "web",
        state: "running",
        frames: 300,
        mem: 1,
        vcpus: 1,
      }),
    ]);
    expect(listed[0]).toMatchObject({ flags: "r-----" });
  });

  it("list --memory adds each domain process's own Rss and Pss in MiB, as libxen reports them", async () => {
    // libxen reports at join; wait until the hypervisor has web's first report.
    const reported = async () =>
      (
        (await (await fetch(`${host.hv.httpUrl}/api/domains`)).json()) as {
          name: string;
          rssBytes: number | null;
        }[]
      ).find((d) => d.name === "web")?.rssBytes;
    while ((await reported()) == null) await new Promise((resolve) => setTimeout(resolve, 20));
    const { status, stdout } = await xlSteady(["list", "--memory", "web"]);
    expect(status).toBe(0);
    expect(times.get("web")).toBeGreaterThan(0); // Time(s): the CPU time web's process reported
    const [header, line] = stdout.split("\n");
    expect(header).toBe(
      "Name                                        ID   Mem VCPUs\tState\tTime(s)   Rss   Pss  Host",
    );
    expect(line).toMatch(new RegExp(`^${row("web", web.domid, 1, "r-----")} +\\d+ +\\d+  \\S+$`));
    const [rss, pss] = (line ?? "").trim().split(/ +/).slice(-3, -1).map(Number);
    expect(rss).toBeGreaterThan(0);
    expect(pss).toBeLessThanOrEqual(rss!);
  });

  it("info prints xl's key : value lines, memory in MiB and frames", async () => {
    const memory = (await (await fetch(`${host.hv.httpUrl}/api/memory`)).json()) as {
      frames: { used: number; shared: number; free: number };
    };
    const { used, shared, free } = memory.frames;
    const info = await xl(["info"]);
    expect(info).toMatchObject({ status: 0, stderr: "" });
    const lines = info.stdout.split("\n");
    expect(lines.slice(0, 8)).toEqual([
      "total_memory           : 16",
      `free_memory            : ${Math.floor(free / 256)}`,
      "xen_pagesize           : 4096",
      "total_frames           : 4096",
      `used_frames            : ${used}`,
      `shared_frames          : ${shared}`,
      `free_frames            : ${free}`,
      "nr_domains             : 3",
    ]);
    // docs/design.md#copy-to-write: nothing copied or shared on this host.
    expect(lines.slice(8, 14)).toEqual([
      "private_copy_frames    : 0",
      "copy_to_write_faults   : 0",
      "sharing_freed_memory   : 0",
      "sharing_used_memory    : 0",
      "sharing_freed_frames   : 0",
      "sharing_used_frames    : 0",
    ]);
    // Real memory: the hypervisor's own (this process, on Linux), what domains reported, and the
    // machine-memory file with its resident MiB.
    expect(lines.slice(14)).toEqual([
      expect.stringMatching(/^host_memory {12}: \d+$/),
      expect.stringMatching(/^hypervisor_rss {9}: \d+$/),
      expect.stringMatching(/^hypervisor_pss {9}: \d+$/),
      expect.stringMatching(/^domains_pss {12}: \d+$/),
      `memory_file            : ${host.hv.memory.path}`,
      expect.stringMatching(/^memory_file_resident {3}: \d+$/),
      "",
    ]);
    expect(used).toBeGreaterThanOrEqual(300);
    expect(JSON.parse((await xl(["info", "--json"])).stdout)).toMatchObject({
      used_frames: used,
      nr_domains: 3,
    });
  });
});

describe("xl pause, unpause, destroy", () => {
  it("pauses by name and unpauses by id, as list shows", async () => {
    expect(await xl(["pause", "db"])).toEqual({ status: 0, stdout: "", stderr: "" });
    expect((await xlSteady(["list", "db"])).stdout).toContain(row("db", db.domid, 0, "--p---"));
    expect((await xl(["unpause", String(db.domid)])).status).toBe(0);
    expect((await xlSteady(["list", "db"])).stdout).toContain(row("db", db.domid, 0, "r-----"));
  });

  it("refuses with a clear message and exit 1: unknown domain, no token, wrong token, dom0, not paused", async () => {
    const { XEN_DOM0_TOKEN: _, ...noToken } = host.env;
    const cases: [string[], ToolEnv, string][] = [
      [["pause", "nope"], host.env, "nope is an invalid domain identifier (rc=-6)\n"],
      [["destroy", "4000"], host.env, "4000 is an invalid domain identifier (rc=-6)\n"],
      [["pause", "web"], noToken, "xl pause needs dom0's token: set XEN_DOM0_TOKEN\n"],
      [
        ["pause", "web"],
        { ...host.env, XEN_DOM0_TOKEN: "guess" },
        "the token is not XEN_DOM0_TOKEN (EPERM)\n",
      ],
      [["destroy", "Domain-0"], host.env, "dom0 cannot do this to itself (EINVAL)\n"],
      [["unpause", "web"], host.env, `dom${web.domid} is not paused (EINVAL)\n`],
    ];
    for (const [args, env, stderr] of cases)
      expect(await xl(args, env)).toEqual({ status: 1, stdout: "", stderr });
    expect((await xlSteady(["list", "web"])).stdout).toContain(row("web", web.domid, 1, "r-----"));
  });

  it("destroys a guest: it leaves the list and its frames go back", async () => {
    const doomed = await host.join("doomed");
    await doomed.memory.populatePhysmap(10);
    const usedBefore = JSON.parse((await xl(["info", "--json"])).stdout).used_frames as number;
    expect(await xl(["destroy", "doomed"])).toEqual({ status: 0, stdout: "", stderr: "" });
    expect((await xl(["list"])).stdout).not.toContain("doomed");
    expect(JSON.parse((await xl(["info", "--json"])).stdout).used_frames).toBe(usedBefore - 10);
  });
});

describe("xl domid, domname, fault", () => {
  it("maps names and domids both ways, with xl's messages for unknown ones", async () => {
    expect(await xl(["domid", "web"])).toEqual({ status: 0, stdout: `${web.domid}\n`, stderr: "" });
    expect(await xl(["domname", String(db.domid)])).toEqual({ status: 0, stdout: "db\n", stderr: "" });
    expect(await xl(["domid", "nope"])).toEqual({
      status: 1,
      stdout: "",
      stderr: "Can't get domid of domain name 'nope', maybe this domain does not exist.\n",
    });
    expect((await xl(["domname", "4000"])).stderr).toBe(
      "Can't get domain name of domain id '4000', maybe this domain does not exist.\n",
    );
    expect(await xl(["domname", "web"])).toEqual({ status: 1, stdout: "", stderr: "Invalid domain id.\n\n" });
  });

  it("sets a domain's faults, shows them, clears them, and refuses a bad spec", async () => {
    expect(await xl(["fault", "web", "drop=0.5,delay=5..20ms"])).toEqual({
      status: 0,
      stdout: "",
      stderr: "",
    });
    expect((await xl(["fault"])).stdout).toBe(`drop=0.5@${web.domid}\ndelay=5..20ms@${web.domid}\n`);
    expect((await xl(["fault", "web", "jitter=1"])).stderr).toBe(
      '"jitter=1": unknown fault jitter (drop, dup, delay, reorder, evtchn_lose, evtchn_spurious, crash_after, crash_at, partition) (EINVAL)\n',
    );
    expect((await xl(["fault", "web", "reorder=1"])).stderr).toBe(
      '"reorder=1": reorder window must be 2…64 (EINVAL)\n',
    );
    expect((await xl(["fault", "web", "dup=1", "--clear"])).stderr).toBe(
      "xl fault: give either a spec or --clear\n",
    );
    expect(await xl(["fault", "web", "--clear"])).toEqual({ status: 0, stdout: "", stderr: "" });
    expect((await xl(["fault"])).stdout).toBe("");
  });

  it("sets the new kinds per direction and port, and the hypervisor-wide rules as xen", async () => {
    expect((await xl(["fault", "web", "reorder=4,drop.from=0.1,evtchn_lose=0.5"])).status).toBe(0);
    expect((await xl(["fault", "xen", `evtchn_spurious=0.25,dup.from=0.5@${db.domid}`])).status).toBe(0);
    expect((await xl(["fault"])).stdout).toBe(
      `reorder=4@${web.domid}\ndrop.from=0.1@${web.domid}\nevtchn_lose=0.5@${web.domid}\nevtchn_spurious=0.25\ndup.from=0.5@${db.domid}\n`,
    );
    expect((await xl(["fault", "xen", "partition=1s"])).stderr).toBe(
      '"partition=1000ms": a partition needs its domain (@domid) (EINVAL)\n',
    );
    for (const domain of ["web", "db", "xen"])
      expect((await xl(["fault", domain, "--clear"])).status).toBe(0);
    expect((await xl(["fault"])).stdout).toBe("");
  });
});

describe("xl's own failures", () => {
  it("says where the hypervisor could not be reached", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const run = await xl(["list"], { ...host.env, XEN_HYPERVISOR_HTTP: `http://127.0.0.1:${port}` });
    expect(run).toEqual({
      status: 1,
      stdout: "",
      stderr: `cannot reach the hypervisor at http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}\n`,
    });
    expect((await xl(["list"], { XEN_HYPERVISOR_HTTP: "ftp://x" })).stderr).toBe(
      "XEN_HYPERVISOR_HTTP=ftp://x is not an http:// URL\n",
    );
  });

  it("refuses unknown commands and missing arguments as commander does, exit 1", async () => {
    expect(await xl(["bogus"])).toEqual({
      status: 1,
      stdout: "",
      stderr: "error: unknown command 'bogus'\n",
    });
    expect(await xl(["pause"])).toEqual({
      status: 1,
      stdout: "",
      stderr: "error: missing required argument 'domain'\n",
    });
  });
});
