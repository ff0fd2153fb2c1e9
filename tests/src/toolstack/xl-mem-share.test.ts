// `xl mem-share` and the sharing lines of `xl info` (docs/design.md#copy-to-write), with guests
// joined through libxen on the default (shm) transport: their pages are shared once they have
// acknowledged the nomination, and a write through libxen unshares exactly one page.
import type { XenDomain } from "@xenfs/libxen";
import { DOM0_TOKEN } from "@xenfs/testkit";
import { runXl, type ToolEnv } from "@xenfs/toolstack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureIo, startTestHost, type TestHost } from "./host.js";

const N = 3;
let host: TestHost;
const guests: { domain: XenDomain; gpfns: number[] }[] = [];

async function xl(args: string[], env: ToolEnv = host.env) {
  const captured = captureIo(env);
  const status = await runXl(args, captured.io);
  return { status, stdout: captured.stdout().toString(), stderr: captured.stderr() };
}

interface Info {
  used_frames: number;
  copy_to_write_faults: number;
  sharing_freed_frames: number;
  sharing_used_frames: number;
}

async function info(): Promise<Info> {
  return JSON.parse((await xl(["info", "--json"])).stdout) as Info;
}

beforeAll(async () => {
  host = await startTestHost();
  await host.join("Domain-0", DOM0_TOKEN);
  for (let i = 0; i < N; i++) {
    const domain = await host.join(`sharer-${i}`);
    const gpfns = await domain.memory.populatePhysmap(4);
    // Two pages every guest has, one duplicate of its own, one of its own.
    for (const [k, fill] of [20, 21, 20, 50 + i].entries()) {
      await domain.memory.write(gpfns[k]!, 0, new Uint8Array(4096).fill(fill));
    }
    guests.push({ domain, gpfns });
  }
});
afterAll(() => host.stop());

describe("xl mem-share", () => {
  it("wants a domain or --all, and dom0's token", async () => {
    expect(await xl(["mem-share"])).toMatchObject({
      status: 1,
      stderr: "xl mem-share: give a domain or --all\n",
    });
    const { XEN_DOM0_TOKEN: _, ...noToken } = host.env;
    expect((await xl(["mem-share", "--all"], noToken)).stderr).toBe(
      "xl mem-share needs dom0's token: set XEN_DOM0_TOKEN\n",
    );
  });

  it("--all leaves one frame per distinct page; xl info shows the frames saved; a write unshares one", async () => {
    const before = await info();
    const run = await xl(["mem-share", "--all"]);
    expect(run).toMatchObject({ status: 0, stderr: "" });
    expect(run.stdout).toContain(`shared now: ${3 * N - 2}, skipped: 0`);
    // A guest's old frame is freed once the guest acknowledges it no longer reads it in place.
    await expect.poll(async () => (await info()).used_frames).toBe(before.used_frames - (3 * N - 2));
    const after = await info();
    expect(after.sharing_freed_frames).toBe(3 * N - 2);
    expect(after.sharing_used_frames).toBe(2);

    const [first, second] = guests;
    await first!.domain.memory.write(first!.gpfns[1]!, 0, Uint8Array.of(1));
    expect(await first!.domain.memory.read(first!.gpfns[1]!, 0, 2)).toEqual(Uint8Array.of(1, 21));
    expect(await second!.domain.memory.read(second!.gpfns[1]!, 0, 2)).toEqual(Uint8Array.of(21, 21));
    const unshared = await info();
    expect(unshared.used_frames).toBe(after.used_frames + 1);
    expect(unshared.sharing_freed_frames).toBe(3 * N - 3);
    expect(unshared.copy_to_write_faults).toBe(after.copy_to_write_faults + 1);
    await expect.poll(() => first!.domain.memory.copyToWriteFaults).toBe(1);
  });
});
