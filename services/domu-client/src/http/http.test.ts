// The guest's admin API over a real mount: /fs reads, writes and removes through XenFS,
// /api/mount and /metrics say what the mount did.
import { randomBytes } from "node:crypto";
import { readFile as readLocal, writeFile as writeLocal } from "node:fs/promises";
import { join } from "node:path";
import { CLUSTER_TOKEN } from "@xenfs/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestHost, type TestHost } from "../../test/xenfs-host.js";
import { type DomuClient, startDomuClient } from "../app.js";
import { GET_CHUNK_BYTES } from "./fs-routes.js";

describe("HTTP admin API", () => {
  let host: TestHost;
  let guest: DomuClient;
  const get = (path: string, init?: RequestInit) => fetch(`${guest.httpUrl}${path}`, init);

  beforeAll(async () => {
    host = await startTestHost();
    guest = await startDomuClient({
      hypervisorUrl: host.hv.url,
      clusterToken: CLUSTER_TOKEN,
      name: "http-guest",
      port: 0,
      mode: "shared",
    });
  });
  afterAll(async () => {
    await guest?.close();
    await host?.stop();
  });

  it("lists a directory as JSON and answers a file's bytes with its length", async () => {
    const root = await get("/fs/");
    expect(root.status).toBe(200);
    expect(await root.json()).toEqual(
      expect.arrayContaining([
        { name: "docs", type: "directory" },
        { name: "hello.txt", type: "file" },
        { name: "link-out", type: "symlink" },
      ]),
    );
    expect(await (await get("/fs")).json()).toEqual(await (await get("/fs/")).json());
    const file = await get("/fs/hello.txt");
    expect(file.headers.get("content-length")).toBe("13");
    expect(await file.text()).toBe("hello, xenfs\n");
  });

  it("streams a file of several chunks byte for byte, and an empty one", async () => {
    const big = randomBytes(2 * GET_CHUNK_BYTES + 3);
    await writeLocal(join(host.exportDir, "big.bin"), big);
    await writeLocal(join(host.exportDir, "empty.bin"), "");
    const file = await get("/fs/big.bin");
    expect(file.headers.get("content-length")).toBe(String(big.length));
    expect(Buffer.from(await file.arrayBuffer()).equals(big)).toBe(true);
    const empty = await get("/fs/empty.bin");
    expect(empty.headers.get("content-length")).toBe("0");
    expect((await empty.arrayBuffer()).byteLength).toBe(0);
  });

  it("writes a body through the mount: 201 when created, 204 when replaced", async () => {
    const put = (body: string) => get("/fs/notes%20dir/n.txt", { method: "PUT", body });
    expect((await get("/fs/notes%20dir/n.txt")).status).toBe(404);
    expect((await put("x")).status).toBe(404); // the directory does not exist
    await guest.mount.mkdir("notes dir");
    expect((await put("first")).status).toBe(201);
    expect((await put("second")).status).toBe(204);
    expect(await readLocal(join(host.exportDir, "notes dir/n.txt"), "utf8")).toBe("second");
  });

  it("removes files, empty directories, and trees with ?recursive=1", async () => {
    await guest.mount.mkdir("gone/inner", { recursive: true });
    await guest.mount.writeFile("gone/inner/f", "f");
    const del = (path: string) => get(path, { method: "DELETE" });
    const notEmpty = await del("/fs/gone");
    expect(notEmpty.status).toBe(409);
    expect(await notEmpty.json()).toMatchObject({ error: { code: "ENOTEMPTY" } });
    expect((await del("/fs/gone/inner/f")).status).toBe(204);
    expect((await del("/fs/gone/inner")).status).toBe(204);
    await guest.mount.writeFile("gone/g", "g");
    expect((await del("/fs/gone?recursive=1")).status).toBe(204);
    expect((await get("/fs/gone")).status).toBe(404);
  });

  it("renames through the mount with POST /fs-rename, replacing the target", async () => {
    const rename = (query: string) => get(`/fs-rename?${query}`, { method: "POST" });
    await guest.mount.writeFile("r-old.txt", "old");
    await guest.mount.writeFile("r-new.txt", "replaced");
    expect((await rename("from=r-old.txt&to=r-new.txt")).status).toBe(204);
    expect(await readLocal(join(host.exportDir, "r-new.txt"), "utf8")).toBe("old");
    expect((await get("/fs/r-old.txt")).status).toBe(404);
    const missing = await rename("from=r-old.txt&to=r-other.txt");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: "ENOENT" } });
    expect((await rename("from=r-new.txt")).status).toBe(400);
    expect((await rename("from=r-new.txt&to=..%2F..%2Fescaped")).status).toBe(403);
    expect(await readLocal(join(host.exportDir, "r-new.txt"), "utf8")).toBe("old");
  });

  it("maps errors to statuses with Node's code and message", async () => {
    const missing = await get("/fs/missing.txt");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error: { code: "ENOENT", message: "ENOENT: no such file or directory, stat 'missing.txt'" },
    });
    // An encoded slash keeps `..` from being resolved by the URL parser: dom0 sees it and refuses.
    expect((await get("/fs/docs/..%2F..%2Fetc")).status).toBe(403);
    expect((await get("/fs/link-out/passwd")).status).toBe(403);
    expect((await get("/fs/hello.txt/x")).status).toBe(409);
    expect((await get("/fs/a%00b")).status).toBe(400);
    expect((await get("/fs/%E0%A4%A")).status).toBe(400);
  });

  it("reports the mount, health and metrics", async () => {
    await get("/fs/docs/readme.md");
    const mount = (await (await get("/api/mount")).json()) as Record<string, unknown> & { bytesRead: number };
    expect(mount).toMatchObject({ mode: "shared", domid: guest.domid, state: "Connected" });
    for (const key of ["pagesHeld", "requests", "bytesRead", "bytesWritten", "readsLocal"])
      expect(typeof mount[key]).toBe("number");
    expect(mount.bytesRead).toBeGreaterThan(0);
    expect((await get("/livez")).status).toBe(200);
    expect((await get("/readyz")).status).toBe(200);
    const metrics = await (await get("/metrics")).text();
    expect(metrics).toMatch(/^xenfs_client_bytes_read_total [1-9]\d*$/m);
    expect(metrics).toMatch(/^xenfs_client_requests_total\{op="open"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^xenfs_client_pages_held \d+$/m);
  });
});
