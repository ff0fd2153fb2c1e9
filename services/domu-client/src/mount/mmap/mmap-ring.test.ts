// docs/mmap.md's example, run: two guests exchange messages through rings in a file they both
// map, with nothing else between them than an event channel. Each direction is a
// single-producer single-consumer ring as io/ring.h's: the producer fills a slot, then moves
// `prod` on (an atomic add, so the slot's bytes are in before the index that publishes them) and
// notifies; the consumer reads slots up to `prod` and moves `cons` on.
import { writeFile as writeLocal } from "node:fs/promises";
import { join } from "node:path";
import type { XenDomain } from "@xenfs/libxen";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestHost, type TestHost } from "../../../test/xenfs-host.js";
import type { XenfsMapping } from "./mapping.js";

const PAGE = 4096;
const SLOTS = 16;
const SLOT = PAGE / SLOTS;
/** Page 0: the indexes; page 1: ring A→B; page 2: ring B→A. */
const RING_FILE_BYTES = 3 * PAGE;

interface Ring {
  readonly prod: number;
  readonly cons: number;
  readonly slots: number;
}
const A_TO_B: Ring = { prod: 0, cons: 4, slots: PAGE };
const B_TO_A: Ring = { prod: 8, cons: 12, slots: 2 * PAGE };

const word = async (m: XenfsMapping, at: number) => (await m.read(at, 4)).readUInt32LE();

/** Puts one message (≤ SLOT − 4 bytes) on the ring; false when the ring is full. */
async function put(m: XenfsMapping, ring: Ring, message: Uint8Array): Promise<boolean> {
  const prod = await word(m, ring.prod);
  if (prod - (await word(m, ring.cons)) >= SLOTS) return false;
  const slot = Buffer.alloc(SLOT);
  slot.writeUInt32LE(message.length, 0);
  slot.set(message, 4);
  await m.write(ring.slots + (prod % SLOTS) * SLOT, slot);
  await m.add(ring.prod, 4, 1n);
  return true;
}

/** Takes every message on the ring. */
async function take(m: XenfsMapping, ring: Ring): Promise<Buffer[]> {
  const messages: Buffer[] = [];
  const prod = await word(m, ring.prod);
  for (let cons = await word(m, ring.cons); cons !== prod; cons++) {
    const at = ring.slots + (cons % SLOTS) * SLOT;
    messages.push(await m.read(at + 4, await word(m, at)));
    await m.add(ring.cons, 4, 1n);
  }
  return messages;
}

/** Calls `fn` for each event on `port`, one call at a time (events that come meanwhile rerun it). */
function onEvents(domain: XenDomain, port: number, fn: () => Promise<void>): () => void {
  let running: Promise<void> | undefined;
  let again = false;
  const run = () => {
    if (running) {
      again = true;
      return;
    }
    running = fn().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        run();
      }
    });
  };
  return domain.events.on(port, run);
}

describe("docs/mmap.md's example: a message ring in a mapped file", () => {
  let host: TestHost;
  beforeAll(async () => {
    host = await startTestHost();
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("carries 100 messages A→B and B's answers back, through the mapping and one event channel", async () => {
    await writeLocal(join(host.exportDir, "ring.bin"), Buffer.alloc(RING_FILE_BYTES));
    const a = await host.guest("ring-a", "shared");
    const b = await host.guest("ring-b", "shared");
    const ma = await a.fs.mmap("ring.bin", { length: RING_FILE_BYTES, writable: true });
    const mb = await b.fs.mmap("ring.bin", { length: RING_FILE_BYTES, writable: true });
    // The channel: B offers a port to A, A binds it (a real pair would swap the port in XenStore).
    const bPort = await b.domain.events.allocUnbound(a.domain.domid);
    const aPort = await a.domain.events.bindInterdomain(b.domain.domid, bPort);

    // B answers every message upper-cased.
    const stopB = onEvents(b.domain, bPort, async () => {
      for (const message of await take(mb, A_TO_B)) {
        while (!(await put(mb, B_TO_A, Buffer.from(message.toString().toUpperCase())))) {
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
        await b.domain.events.send(bPort);
      }
    });
    const answers: string[] = [];
    const allAnswered = new Promise<void>((resolve) => {
      onEvents(a.domain, aPort, async () => {
        for (const answer of await take(ma, B_TO_A)) answers.push(answer.toString());
        if (answers.length === 100) resolve();
      });
    });

    for (let i = 0; i < 100; i++) {
      while (!(await put(ma, A_TO_B, Buffer.from(`message ${i}`)))) {
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      await a.domain.events.send(aPort);
    }
    await allAnswered;
    expect(answers).toEqual(Array.from({ length: 100 }, (_, i) => `MESSAGE ${i}`));
    stopB();
    await ma.unmap();
    await mb.unmap();
  }, 60_000);
});
