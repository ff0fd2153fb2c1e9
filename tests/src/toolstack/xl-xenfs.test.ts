// `xl xenfs-diff` and `xl xenfs-reset` against a real dom0 serving a cow guest: xl reaches dom0
// through XenStore (the xenstored socket), dom0 answers from the guest's overlay on disk.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Dom0Server, startDom0Server } from "@xenfs/dom0-server";
import { mount, type XenfsMount } from "@xenfs/domu-client";
import { DOM0_TOKEN } from "@xenfs/testkit";
import { runXl } from "@xenfs/toolstack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureIo, startTestHost, type TestHost } from "./host.js";

let host: TestHost;
let dir: string;
let dom0: Dom0Server;
let fs: XenfsMount;
let guestDomid: number;

beforeAll(async () => {
  host = await startTestHost();
  dir = await mkdtemp(join(tmpdir(), "xl-xenfs-"));
  await mkdir(join(dir, "export/docs"), { recursive: true });
  await writeFile(join(dir, "export/hello.txt"), "hello\n");
  await writeFile(join(dir, "export/docs/old.txt"), "old\n");
  dom0 = await startDom0Server({
    hypervisorUrl: host.hv.url,
    dom0Token: DOM0_TOKEN,
    exportDir: join(dir, "export"),
    stateDir: join(dir, "state"),
    overlayDir: join(dir, "overlays"),
    port: 0,
    cacheMb: 4,
  });
  const guest = await host.join("cowguest");
  guestDomid = guest.domid;
  fs = await mount(guest, { mode: "cow", connectTimeoutMs: 10_000, requestTimeoutMs: 10_000 });
}, 60_000);

afterAll(async () => {
  await fs?.unmount().catch(() => {});
  await dom0?.close();
  await host?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function xl(args: string[]) {
  const captured = captureIo(host.env);
  const status = await runXl(args, captured.io);
  return { status, stdout: captured.stdout().toString(), stderr: captured.stderr() };
}

describe("xl xenfs-diff and xenfs-reset", () => {
  it("lists a cow guest's changes, then discards them; the export is never touched", async () => {
    expect(await xl(["xenfs-diff", "cowguest"])).toEqual({ status: 0, stdout: "", stderr: "" });
    await fs.writeFile("hello.txt", "changed\n");
    await fs.writeFile("docs/new.txt", "new\n");
    await fs.unlink("docs/old.txt");
    expect(await xl(["xenfs-diff", "cowguest"])).toEqual({
      status: 0,
      stdout: "A /docs/new.txt\nD /docs/old.txt\nC /hello.txt\n",
      stderr: "",
    });

    expect(await xl(["xenfs-reset", "cowguest"])).toEqual({ status: 0, stdout: "", stderr: "" });
    expect(await xl(["xenfs-diff", "cowguest"])).toMatchObject({ status: 0, stdout: "" });
    expect(await fs.readFile("hello.txt", "utf8")).toBe("hello\n");
    expect(await fs.readdir("docs")).toEqual(["old.txt"]);
    expect(await readFile(join(dir, "export/hello.txt"), "utf8")).toBe("hello\n");
    // The guest goes on over its emptied overlay.
    await fs.writeFile("hello.txt", "again\n");
    expect(await fs.readFile("hello.txt", "utf8")).toBe("again\n");
    expect(await xl(["xenfs-diff", String(guestDomid)])).toMatchObject({
      status: 0,
      stdout: "C /hello.txt\n",
    });
  }, 60_000);

  it("names an unknown domain as xl does", async () => {
    expect((await xl(["xenfs-diff", "nosuch"])).status).not.toBe(0);
  });
});
