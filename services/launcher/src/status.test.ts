import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { type StatusLoop, type StatusOutput, startStatus } from "./status.js";

// Nothing listens on port 1 of loopback: every endpoint fails, which the loop must survive.
const endpoints = { hypervisorPort: 1, dom0Port: 1, guests: [{ name: "guest-1", port: 1 }] };

const ESC = "\x1b[";

interface CapturedOutput {
  readonly out: StatusOutput;
  text(): string;
  /** Resolves once what was written so far satisfies `done`. */
  waitFor(done: (text: string) => boolean): Promise<void>;
}

function capture(tty: boolean, columns = 40): CapturedOutput {
  const stream = Object.assign(new PassThrough(), { isTTY: tty, columns });
  let text = "";
  const waiters: (() => void)[] = [];
  stream.on("data", (chunk: Buffer) => {
    text += chunk.toString();
    for (const wake of waiters.splice(0)) wake();
  });
  return {
    out: stream,
    text: () => text,
    async waitFor(done) {
      while (!done(text)) await new Promise<void>((resolve) => waiters.push(resolve));
    },
  };
}

let loop: StatusLoop | undefined;
afterEach(async () => {
  await loop?.stop();
  loop = undefined;
});

describe("startStatus", () => {
  it("prints one line per tick when the output is not a terminal", async () => {
    const { out, text, waitFor } = capture(false);
    loop = startStatus({ endpoints, style: "table", out, startedAt: performance.now() });
    await waitFor((t) => t.split("\n").length > 2);
    const lines = text().trimEnd().split("\n");
    for (const line of lines) expect(line).toMatch(/^\[\d+:\d\d\] domains - \| .* \| guest-1 - read - at -$/);
    expect(text()).not.toContain(ESC);
  });

  it("redraws the table in place on a terminal, cut to its width", async () => {
    const { out, text, waitFor } = capture(true);
    loop = startStatus({ endpoints, style: "table", out, startedAt: performance.now() });
    await waitFor((t) => t.includes(ESC));
    const first = text().slice(0, text().indexOf(ESC));
    expect(first).toContain("GUEST");
    for (const line of first.split("\n")) expect(line.length).toBeLessThanOrEqual(40);
    // Cursor up over exactly the first table, clear below, draw the next one.
    const height = first.trimEnd().split("\n").length;
    expect(
      text()
        .slice(first.length)
        .startsWith(`${ESC}${height}F${ESC}J${first.split("\n")[0]!.slice(0, 15)}`),
    ).toBe(true);
  });

  it("cuts nothing on a terminal that reports no width", async () => {
    const { out, text, waitFor } = capture(true, 0);
    loop = startStatus({ endpoints, style: "table", out, startedAt: performance.now() });
    await waitFor((t) => t.includes("GUEST"));
    expect(text()).toContain("machine frames - used of -, - shared, - free\n");
  });

  it("prints JSON lines with --json, and nothing after stop", async () => {
    const { out, text, waitFor } = capture(false);
    loop = startStatus({ endpoints, style: "json", out, startedAt: performance.now() });
    await waitFor((t) => t.includes("\n"));
    await loop.stop();
    const printed = text();
    expect(JSON.parse(printed.split("\n")[0]!)).toMatchObject({ domains: null, memory: null, cache: null });
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(text()).toBe(printed);
  });
});
