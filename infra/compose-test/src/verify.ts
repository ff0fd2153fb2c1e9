// Every acknowledged write must be there: each is read back through a guest other than the one
// that wrote it, so the check covers both durability and cross-guest visibility.
import { type Guest, readGuestFile } from "./cluster.js";
import type { AckedWrite } from "./write-load.js";

const PARALLEL_READS = 8;

export async function verifyAcked(writes: readonly AckedWrite[], guests: readonly Guest[]): Promise<void> {
  if (guests.length === 0) throw new Error("no guest to read the writes back through");
  const missing: string[] = [];
  let next = 0;
  const reader = async (): Promise<void> => {
    for (let i = next++; i < writes.length; i = next++) {
      const write = writes[i]!;
      const others = guests.filter((g) => g.id !== write.writer);
      const guest = (others.length > 0 ? others : guests)[i % Math.max(others.length, 1)]!;
      const got = await readGuestFile(guest, write.path).catch((error: Error) => error);
      if (got instanceof Error || got.toString("utf8") !== write.body) {
        missing.push(`${write.path} (${got instanceof Error ? got.message : "different content"})`);
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL_READS }, reader));
  if (missing.length > 0) {
    throw new Error(
      `${missing.length} of ${writes.length} acknowledged writes are not there: ${missing.slice(0, 5).join(", ")}`,
    );
  }
}
