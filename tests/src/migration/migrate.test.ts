// xl migrate between two hosts (two hypervisors, each with its XenStore), both memory
// transports: a guest that keeps writing its own frames while log-dirty pre-copy rounds run
// ends up on the target with every frame holding exactly what it last wrote; its process
// attached to the target hypervisor, and the source no longer has it.
import { once } from "node:events";
import type { Hypervisor } from "@xenfs/hypervisor";
import type { XenDomain } from "@xenfs/libxen";
import { XEN_PAGE_SIZE } from "@xenfs/proto";
import { createLogger } from "@xenfs/service-kit";
import { DOM0_TOKEN, joinGuest, startTestHypervisor, TRANSPORTS } from "@xenfs/testkit";
import { runXl } from "@xenfs/toolstack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureIo } from "../toolstack/host.js";

const FRAMES = 64;

describe.each(TRANSPORTS)("xl migrate (%s transport)", (transport) => {
  let source: Hypervisor;
  let target: Hypervisor;
  let guest: XenDomain;
  /** The source's log lines: its "domain sent" line lists the rounds. */
  const lines: Array<{ msg?: string; rounds?: Array<{ round: number; pages: number; suspended: boolean }> }> =
    [];

  beforeAll(async () => {
    const destination = { write: (line: string) => void lines.push(JSON.parse(line)) };
    source = await startTestHypervisor({ logger: createLogger({ service: "source", destination }) });
    target = await startTestHypervisor();
    guest = await joinGuest(source, `migrant-${transport}`, { memoryTransport: transport });
    await guest.enableSuspend();
  });
  afterAll(async () => {
    await guest?.close();
    await source?.close();
    await target?.close();
  });

  const names = async (hv: Hypervisor) =>
    ((await (await fetch(`${hv.httpUrl}/api/domains`)).json()) as { name: string }[]).map((d) => d.name);

  it("moves a guest that keeps writing: pre-copy rounds, then every frame as it last wrote it, on the target", async () => {
    const gpfns = await guest.memory.populatePhysmap(FRAMES);
    const mirror = new Map<number, Uint8Array>();
    for (const gpfn of gpfns) {
      const bytes = new Uint8Array(XEN_PAGE_SIZE).fill(gpfn & 0xff);
      await guest.memory.write(gpfn, 0, bytes);
      mirror.set(gpfn, bytes);
    }
    let stop = false;
    let writes = 0;
    const writer = (async () => {
      while (!stop) {
        const gpfn = gpfns[writes % FRAMES]!;
        const word = new Uint8Array(8);
        new DataView(word.buffer).setUint32(0, ++writes, true);
        const at = (writes * 8) % XEN_PAGE_SIZE;
        await guest.memory.write(gpfn, at, word);
        mirror.get(gpfn)!.set(word, at);
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();

    const captured = captureIo({ XEN_HYPERVISOR_HTTP: source.httpUrl, XEN_DOM0_TOKEN: DOM0_TOKEN });
    const status = await runXl(["migrate", `migrant-${transport}`, target.httpUrl], captured.io);
    expect({ status, stderr: captured.stderr() }).toEqual({ status: 0, stderr: "" });
    const writesAtMove = writes;
    // The process keeps going on the target.
    while (writes < writesAtMove + 20) await new Promise((resolve) => setTimeout(resolve, 5));
    stop = true;
    await writer;

    expect(guest.session.url).toBe(target.url);
    expect(await names(target)).toContain(`migrant-${transport}`);
    expect(await names(source)).not.toContain(`migrant-${transport}`);
    const differ: number[] = [];
    for (const gpfn of gpfns) {
      const bytes = await guest.memory.read(gpfn, 0, XEN_PAGE_SIZE);
      if (!Buffer.from(bytes).equals(Buffer.from(mirror.get(gpfn)!))) differ.push(gpfn);
    }
    expect(differ).toEqual([]);
    // Round 0 sent every frame; later rounds only what the writer dirtied; the last, suspended.
    const rounds = lines.find((l) => l.msg === "domain sent")?.rounds ?? [];
    expect(rounds[0]).toMatchObject({ round: 0, suspended: false });
    expect(rounds[0]!.pages).toBeGreaterThanOrEqual(FRAMES);
    expect(rounds.length).toBeGreaterThanOrEqual(3);
    expect(rounds.slice(1, -1).every((r) => r.pages < FRAMES)).toBe(true);
    expect(rounds.at(-1)).toMatchObject({ suspended: true });
    // xl says the same, round by round.
    const printed = captured.stdout().toString();
    expect(printed).toMatch(new RegExp(`^round 0: ${rounds[0]!.pages} pages`, "m"));
    expect(printed).toMatch(/^round \d+ \(suspended at \d+ ms\): \d+ pages/m);
    expect(printed).toMatch(/^migration target: domain \d+ \(migrant-\w+\) running at http/m);
    expect(writesAtMove).toBeGreaterThan(0);
  });
});

describe.each(TRANSPORTS)("a migration the target refuses (%s transport)", (transport) => {
  let source: Hypervisor;
  let target: Hypervisor;
  let guest: XenDomain;
  let squatter: XenDomain;

  beforeAll(async () => {
    source = await startTestHypervisor();
    target = await startTestHypervisor();
    guest = await joinGuest(source, "clash", { memoryTransport: transport });
    // The target already runs a domain of that name: its restore is refused (EEXIST).
    squatter = await joinGuest(target, "clash", { memoryTransport: transport });
    await guest.enableSuspend();
  });
  afterAll(async () => {
    await guest?.close();
    await squatter?.close();
    await source?.close();
    await target?.close();
  });

  it("fails with the target's error and leaves the guest running where it was, frames intact", async () => {
    const gpfns = await guest.memory.populatePhysmap(8);
    for (const gpfn of gpfns) await guest.memory.write(gpfn, 0, new Uint8Array(XEN_PAGE_SIZE).fill(gpfn));
    const domid = guest.domid;
    const attached = once(guest.session, "attached");
    const captured = captureIo({ XEN_HYPERVISOR_HTTP: source.httpUrl, XEN_DOM0_TOKEN: DOM0_TOKEN });
    expect(await runXl(["migrate", "clash", target.httpUrl], captured.io)).toBe(1);
    expect(captured.stderr()).toMatch(/EEXIST/);
    expect(await attached).toEqual([{ domid, previous: domid }]);
    expect(guest.session.url).toBe(source.url);
    for (const gpfn of gpfns) {
      const bytes = await guest.memory.read(gpfn, 0, XEN_PAGE_SIZE);
      expect(bytes.every((b) => b === gpfn)).toBe(true);
    }
    await guest.memory.write(gpfns[0]!, 0, Uint8Array.of(42));
    expect(await guest.memory.read(gpfns[0]!, 0, 1)).toEqual(Uint8Array.of(42));
  });
});

describe("a migrating guest's attach", () => {
  let source: Hypervisor;
  let target: Hypervisor;
  let guest: XenDomain;

  beforeAll(async () => {
    source = await startTestHypervisor();
    target = await startTestHypervisor();
    guest = await joinGuest(source, "early-bird");
    await guest.enableSuspend();
  });
  afterAll(async () => {
    await guest?.close();
    await source?.close();
    await target?.close();
  });

  it("goes to the target as the restore ends, not when the source lets its copy go", async () => {
    const [gpfn] = (await guest.memory.populatePhysmap(1)) as [number];
    await guest.memory.write(gpfn, 0, Uint8Array.of(7));
    const attached = once(guest.session, "attached");
    const auth = { authorization: `Bearer ${DOM0_TOKEN}` };
    // xl migrate's two requests, without its last step (destroying the source's suspended copy).
    const sent = await fetch(
      `${source.httpUrl}/api/migrate/${guest.domid}?attachUrl=${encodeURIComponent(target.url)}`,
      { method: "POST", headers: auth },
    );
    expect(sent.status).toBe(200);
    const restored = await fetch(`${target.httpUrl}/api/restore`, {
      method: "POST",
      headers: auth,
      body: sent.body,
      duplex: "half",
    } as RequestInit);
    expect(restored.status).toBe(200);
    await attached;
    expect(guest.session.url).toBe(target.url);
    expect(await guest.memory.read(gpfn, 0, 1)).toEqual(Uint8Array.of(7));
    // The source still holds its suspended copy: nobody destroyed it.
    const onSource = (await (await fetch(`${source.httpUrl}/api/domains`)).json()) as { name: string }[];
    expect(onSource.map((d) => d.name)).toContain("early-bird");
  });
});
