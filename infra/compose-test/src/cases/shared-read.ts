// All guests read the same file through shared frames: the content matches dom0's export, each
// guest maps every page, and machine frames in use grow by one set of pages, not one per guest.
import { createHash } from "node:crypto";
import { readGuestFile } from "../cluster.js";
import type { TestCase } from "../context.js";

const FILE = "data/random-4MiB.bin";
const PAGE_SIZE = 4096;

const sha256 = (data: Buffer): string => createHash("sha256").update(data).digest("hex");

export const sharedRead: TestCase = {
  name: "shared-read",
  withWrites: false,
  async run(ctx) {
    const expected = await ctx.compose.run(
      "exec",
      "-T",
      "dom0",
      "node",
      "-e",
      `const d = require("fs").readFileSync("/export/${FILE}");` +
        `console.log(d.length, require("crypto").createHash("sha256").update(d).digest("hex"))`,
    );
    const [size, digest] = expected.split(" ");
    const pages = Math.ceil(Number(size) / PAGE_SIZE);

    const before = await ctx.cluster.memory();
    const reads = await Promise.all(ctx.guests.map((g) => readGuestFile(g, FILE)));
    const after = await ctx.cluster.memory();

    reads.forEach((data, i) => {
      if (sha256(data) !== digest)
        throw new Error(`guest ${ctx.guests[i]!.id.slice(0, 12)} read other bytes`);
    });
    for (const guest of ctx.guests) {
      const mapped = after.domains.find((d) => d.name === guest.id.slice(0, 12))?.mapped ?? 0;
      if (mapped < pages) throw new Error(`guest ${guest.id.slice(0, 12)} maps ${mapped} frames, < ${pages}`);
    }
    const grown = after.frames.used - before.frames.used;
    if (grown >= 2 * pages) {
      throw new Error(`frames in use grew by ${grown} for ${pages} pages read by ${reads.length} guests`);
    }
    ctx.figure("file read by every guest", `${FILE} (${pages} pages, sha256 matches dom0's)`);
    ctx.figure("frames in use before / after the reads", `${before.frames.used} / ${after.frames.used}`);
    ctx.figure("frames shared after the reads", after.frames.shared);
    ctx.figure("frames a private copy per guest would add", reads.length * pages);
  },
};
