// xl save / xl restore on one host, both memory transports: the guest is asked to suspend
// through XenStore and does; its image is written and the domain destroyed; a call it makes
// meanwhile waits. Restored, it has a new domid and new machine frames with the same bytes at
// the same pfns, its grant table, ports and XenStore subtree; the process attaches and the
// waiting call completes. A truncated or malformed image is refused and changes nothing.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { XenDomain } from "@xenfs/libxen";
import { XEN_PAGE_SIZE } from "@xenfs/proto";
import { DOM0_TOKEN, TRANSPORTS, until } from "@xenfs/testkit";
import { runXl, type ToolEnv } from "@xenfs/toolstack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureIo, startTestHost, type TestHost } from "../toolstack/host.js";

const FRAMES = 24;

function pattern(gpfn: number): Uint8Array {
  const bytes = new Uint8Array(XEN_PAGE_SIZE);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (gpfn * 13 + i * 5 + (i >> 8)) & 0xff;
  return bytes;
}

describe.each(TRANSPORTS)("xl save and xl restore (%s transport)", (transport) => {
  let host: TestHost;
  let dir: string;
  let guest: XenDomain;
  let dom0: XenDomain;

  async function xl(args: string[], env: ToolEnv = host.env) {
    const captured = captureIo(env);
    const status = await runXl(args, captured.io);
    return { status, stdout: captured.stdout().toString(), stderr: captured.stderr() };
  }
  const memory = async () =>
    (await (await fetch(`${host.hv.httpUrl}/api/memory`)).json()) as { frames: { used: number } };
  const names = async () =>
    ((await (await fetch(`${host.hv.httpUrl}/api/domains`)).json()) as { name: string; domid: number }[]).map(
      (d) => `${d.name}:${d.domid}`,
    );

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "xl-save-"));
    host = await startTestHost({ memoryTransport: transport });
    dom0 = await host.join("Domain-0", DOM0_TOKEN);
    guest = await host.join(`saved-${transport}`);
  });
  afterAll(async () => {
    await host?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("saves a suspended guest and restores it: same bytes at the same pfns, new machine frames, the process attached", async () => {
    expect(guest.memoryTransport).toBe(transport);
    await guest.enableSuspend();
    const table = await guest.grants.setup(1);
    const gpfns = await guest.memory.populatePhysmap(FRAMES);
    for (const gpfn of gpfns) await guest.memory.write(gpfn, 0, pattern(gpfn));
    const ref = await guest.grants.grantAccess(0, gpfns[3]!, { readonly: true });
    const port = await guest.events.allocUnbound(0);
    // A second port, bound by dom0, masked, with an event pending: it travels in the image.
    const signalled = await guest.events.allocUnbound(0);
    const dom0Port = await dom0.events.bindInterdomain(guest.domid, signalled);
    await guest.events.mask(signalled);
    await dom0.events.send(dom0Port);
    let delivered = 0;
    guest.events.on(signalled, () => {
      delivered++;
    });
    await guest.xs.write("data/kept", "in the image");
    const before = (await guest.session.call({ memTranslate: { gpfns } })).memTranslate?.mfns;
    let suspended = 0;
    guest.onSuspend(() => {
      suspended++;
    });
    let resumed = 0;
    guest.onResume(() => {
      resumed++;
    });
    const oldDomid = guest.domid;

    const file = join(dir, `${transport}.img`);
    const saved = await xl(["save", `saved-${transport}`, file]);
    expect(saved).toMatchObject({ status: 0, stderr: "" });
    expect(suspended).toBe(1);
    expect(await names()).not.toContain(`saved-${transport}:${oldDomid}`);
    // The process goes on; its next call waits for the domain to come back.
    const waiting = guest.xs.read("data/kept");

    const restored = await xl(["restore", file]);
    expect(restored).toMatchObject({ status: 0, stderr: "" });
    const domid = Number(/Domain (\d+)/.exec(restored.stdout.split("\n")[1]!)?.[1]);
    expect(domid).not.toBe(oldDomid);
    expect(await waiting).toBe("in the image");
    await until("the resume hooks", async () => resumed === 1);
    expect(guest.domid).toBe(domid);

    const after = (await guest.session.call({ memTranslate: { gpfns } })).memTranslate?.mfns;
    expect(after).toHaveLength(FRAMES);
    expect(after).not.toEqual(before);
    for (const gpfn of gpfns) {
      const bytes = await guest.memory.read(gpfn, 0, XEN_PAGE_SIZE);
      expect(Buffer.from(bytes).equals(Buffer.from(pattern(gpfn)))).toBe(true);
    }
    // Its grant still lets dom0 map the frame; its port still waits for dom0; its key is there.
    const mapped = await dom0.grants.mapGrantRef(domid, ref, { readonly: true });
    expect(
      Buffer.from(await dom0.memory.read(mapped.gpfn, 0, 64)).equals(
        Buffer.from(pattern(gpfns[3]!).subarray(0, 64)),
      ),
    ).toBe(true);
    await dom0.grants.unmapGrantRef(mapped.handle);
    expect(await guest.events.status(port)).toMatchObject({ status: "unbound", remoteDom: 0 });
    expect(await guest.grants.querySize()).toMatchObject({ nrFrames: table.length });
    // The pending event is delivered once the port is unmasked on the restored domain.
    expect(delivered).toBe(0);
    expect(await guest.events.status(signalled)).toMatchObject({ status: "unbound", remoteDom: 0 });
    await guest.events.unmask(signalled);
    await until("the pending event", async () => delivered === 1);
    // It writes, and the new frames take it.
    await guest.memory.write(gpfns[0]!, 0, Uint8Array.of(1, 2, 3));
    expect(await guest.memory.read(gpfns[0]!, 0, 3)).toEqual(Uint8Array.of(1, 2, 3));
  });

  it("refuses a truncated or malformed image with a clear error, and changes nothing", async () => {
    // Saved, so its name is free here: only what is wrong with the image can refuse it.
    const name = `cut-${transport}`;
    const saved = await host.join(name);
    await saved.enableSuspend();
    await saved.memory.populatePhysmap(4);
    const file = join(dir, `${name}.img`);
    expect(await xl(["save", name, file])).toMatchObject({ status: 0, stderr: "" });
    const image = await readFile(file);
    const usedBefore = (await memory()).frames.used;
    const namesBefore = await names();
    const cut = join(dir, "cut.img");
    await writeFile(cut, image.subarray(0, image.length - 100));
    expect(await xl(["restore", cut])).toMatchObject({
      status: 1,
      stderr: expect.stringMatching(/truncated.*ENODATA/),
    });
    const bad = Buffer.from(image);
    bad.write("XENG", 8);
    await writeFile(cut, bad);
    expect(await xl(["restore", cut])).toMatchObject({
      status: 1,
      stderr: expect.stringMatching(/XENF.*EINVAL/),
    });
    // A live domain has the name of the first test's image: refused at its first record.
    const live = join(dir, `${transport}.img`);
    expect(await xl(["restore", live])).toMatchObject({ status: 1, stderr: expect.stringMatching(/EEXIST/) });
    expect((await memory()).frames.used).toBe(usedBefore);
    expect(await names()).toEqual(namesBefore);
    // The whole image restores, and its process attaches.
    expect(await xl(["restore", file])).toMatchObject({ status: 0, stderr: "" });
    await until("the saved guest back", async () => (await names()).some((n) => n.startsWith(`${name}:`)));
    await saved.close();
  });

  it("suspends when asked while its resume hooks still run: saved again as soon as it is restored", async () => {
    const name = `again-${transport}`;
    const again = await host.join(name);
    await again.enableSuspend();
    let open = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    again.onResume(() => gate);
    const file = join(dir, `${name}.img`);
    expect(await xl(["save", name, file])).toMatchObject({ status: 0, stderr: "" });
    const before = again.domid;
    expect(await xl(["restore", file])).toMatchObject({ status: 0, stderr: "" });
    await until("the process attached", async () => again.domid !== before);
    // The toolstack asks before the restored guest's resume hooks are done.
    const domid = again.domid;
    const saving = fetch(`${host.hv.httpUrl}/api/save/${domid}?timeoutMs=5000`, {
      method: "POST",
      headers: { authorization: `Bearer ${DOM0_TOKEN}` },
    });
    await until(
      "the suspend request",
      async () => (await dom0.xs.read(`/local/domain/${domid}/control/shutdown`)) === "suspend",
    );
    open();
    const saved = await saving;
    expect(saved.status).toBe(200);
    expect((await saved.arrayBuffer()).byteLength).toBeGreaterThan(0);
  });

  it("gives up on a guest that does not suspend (ETIMEDOUT), withdraws the request, and leaves it running", async () => {
    const deaf = await host.join(`deaf-${transport}`);
    const res = await fetch(`${host.hv.httpUrl}/api/save/${deaf.domid}?timeoutMs=200`, {
      method: "POST",
      headers: { authorization: `Bearer ${DOM0_TOKEN}` },
    });
    expect(res.status).toBe(504);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("ETIMEDOUT");
    expect(await dom0.xs.read(`/local/domain/${deaf.domid}/control/shutdown`)).toBe("");
    expect(await names()).toContain(`deaf-${transport}:${deaf.domid}`);
    await deaf.memory.populatePhysmap(1);
  });
});
