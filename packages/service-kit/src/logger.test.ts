import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";

function capture(): { lines: Record<string, unknown>[]; stream: Writable } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { lines, stream };
}

describe("createLogger", () => {
  it("writes JSON lines with service, bound domid and level, and redacts secrets", async () => {
    const { lines, stream } = capture();
    const logger = createLogger({ service: "hypervisor", level: "debug", destination: stream });
    logger.child({ domid: 3 }).info({ token: "hunter2", sessionKey: "k", name: "web" }, "joined");
    logger.trace("not at this level");
    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      service: "hypervisor",
      domid: 3,
      msg: "joined",
      name: "web",
      level: 30,
    });
    expect(lines[0]).toMatchObject({ token: "[redacted]" });
    expect(JSON.stringify(lines)).not.toContain("hunter2");
  });
});
