// `xl trace --ops xenfs` against a real dom0 and a guest that mounts XenFS: while the trace runs,
// one request shows as two spans sharing its ring id — the guest's (issued → answered) and
// dom0's (taken off the ring → answered, inside the guest's). Before and after, no span is sent.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Dom0Server, startDom0Server } from "@xenfs/dom0-server";
import { mount, type XenfsMount } from "@xenfs/domu-client";
import type { XenDomain } from "@xenfs/libxen";
import { DOM0_TOKEN } from "@xenfs/testkit";
import { runXl } from "@xenfs/toolstack";
import { afterAll, beforeAll, expect, it } from "vitest";
import { captureIo, startTestHost, type TestHost } from "./host.js";

let host: TestHost;
let dir: string;
let dom0: Dom0Server;
let guest: XenDomain;
let fs: XenfsMount;

beforeAll(async () => {
  host = await startTestHost();
  dir = await mkdtemp(join(tmpdir(), "xl-trace-xenfs-"));
  await mkdir(join(dir, "export"), { recursive: true });
  await writeFile(join(dir, "export/hello.txt"), "hello\n");
  dom0 = await startDom0Server({
    hypervisorUrl: host.hv.url,
    dom0Token: DOM0_TOKEN,
    exportDir: join(dir, "export"),
    stateDir: join(dir, "state"),
    port: 0,
    cacheMb: 4,
  });
  guest = await host.join("traced-fs");
  fs = await mount(guest, { mode: "shared", connectTimeoutMs: 10_000, requestTimeoutMs: 10_000 });
}, 60_000);

afterAll(async () => {
  await fs?.unmount().catch(() => {});
  await dom0?.close();
  await host?.stop();
  await rm(dir, { recursive: true, force: true });
});

const until = async (done: () => boolean) => {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 10));
};

it("xl trace --ops xenfs shows a request's guest and dom0 spans with one id", async () => {
  expect(guest.trace.on).toBe(false);
  const captured = captureIo(host.env);
  const tracing = runXl(["trace", "--ops", "xenfs", "-n", "2"], captured.io);
  await until(() => guest.trace.on); // the trace_state upcall, sent to every domain at once
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect((await fs.stat("hello.txt")).size).toBe(6);
  expect(await tracing).toBe(0);

  const records = captured
    .stdout()
    .toString()
    .trim()
    .split("\n")
    .map(
      (line) =>
        JSON.parse(line) as { side: string; ts: number; durUs: number; id: number; [k: string]: unknown },
    );
  records.sort((a, b) => a.side.localeCompare(b.side)); // back, front
  const [back, front] = records;
  expect(front).toMatchObject({
    kind: "xenfs",
    op: "xenfs_stat",
    side: "front",
    domid: guest.domid,
    peer: 0,
  });
  expect(back).toMatchObject({ kind: "xenfs", op: "xenfs_stat", side: "back", domid: 0, peer: guest.domid });
  expect(back!.id).toBe(front!.id);
  // dom0's span lies inside the guest's: the request reached dom0 after it was issued, and was
  // answered before the guest had the answer.
  expect(back!.ts).toBeGreaterThanOrEqual(front!.ts);
  expect(back!.ts + back!.durUs / 1000).toBeLessThanOrEqual(front!.ts + front!.durUs / 1000 + 0.001);
  await until(() => !guest.trace.on); // the feed closed: tracing off again
});
