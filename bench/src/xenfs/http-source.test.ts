// The HTTP peer end to end: the file server as its own process over a directory, driven through
// httpSource as the bench's readers drive it — ranges, whole files, a walk, a write the server
// fsyncs, create/stat/unlink — each checked on the directory itself; nothing served outside it.
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { get } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FileSource } from "./file-source.js";
import { writePattern } from "./file-source.js";
import { type HttpServerProcess, startHttpServer } from "./http-server-process.js";
import { httpSource } from "./http-source.js";

describe("the HTTP peer", () => {
  let dir: string;
  let server: HttpServerProcess;
  let source: FileSource;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "http-peer-"));
    await mkdir(join(dir, "tree", "sub"), { recursive: true });
    await writeFile(join(dir, "tree", "a.txt"), "alpha\n");
    await writeFile(join(dir, "tree", "sub", "b.bin"), Buffer.alloc(10_000, 7));
    await mkdir(join(dir, "out"));
    server = await startHttpServer(dir);
    source = httpSource(server.url);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("reads a range and a whole file", async () => {
    const target = new Uint8Array(3);
    expect(await source.readAt("tree/a.txt", target, 1)).toBe(3);
    expect(Buffer.from(target).toString()).toBe("lph");
    const pieces: Buffer[] = [];
    expect(
      await source.readSequential("tree/sub/b.bin", 4096, (piece) => pieces.push(Buffer.from(piece))),
    ).toBe(10_000);
    expect(Buffer.concat(pieces).equals(Buffer.alloc(10_000, 7))).toBe(true);
  });

  it("walks a tree: every file listed, its size from HEAD, its bytes read", async () => {
    expect(await source.walk("tree")).toEqual({ files: 2, bytes: 6 + 10_000 });
  });

  it("writes a file the server has on disk, byte for byte, and creates, stats and unlinks files", async () => {
    expect(await source.writeSequential("out/w.bin", 2_500_000, 1024 * 1024)).toBe(2_500_000);
    const written = await readFile(join(dir, "out", "w.bin"));
    const chunk = writePattern(1024 * 1024);
    expect(written.length).toBe(2_500_000);
    expect(written.subarray(2 * 1024 * 1024).equals(chunk.subarray(0, 2_500_000 - 2 * 1024 * 1024))).toBe(
      true,
    );
    expect(await source.metadata("out/m", 5)).toBe(15);
    await expect(stat(join(dir, "out", "m-0"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("serves nothing outside the export, and says 404 for a missing file", async () => {
    // A raw request line, not normalised by a URL parser on the client side.
    const status = await new Promise<number | undefined>((resolve, reject) => {
      get(`${server.url}/../../../../etc/passwd`, { path: "/../../../../etc/passwd" }, (res) => {
        res.resume();
        resolve(res.statusCode);
      }).on("error", reject);
    });
    expect(status).toBe(404);
    await expect(source.readAt("tree/none", new Uint8Array(4), 0)).rejects.toThrow(/404/);
  });
});
