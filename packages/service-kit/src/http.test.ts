import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { createHttpServer, type HttpService } from "./http.js";
import { HttpError, readJsonBody, sendJson } from "./http-json.js";
import { Registry } from "./metrics.js";

let service: HttpService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

async function start(ready: () => boolean): Promise<string> {
  const metrics = new Registry();
  metrics.counter("demo_requests_total", "Demo requests.").inc();
  service = createHttpServer({
    host: "127.0.0.1",
    port: 0,
    ready,
    metrics,
    routes: [
      { method: "GET", path: "/api/items", handler: (_q, res) => sendJson(res, 200, [1, 2]) },
      {
        method: "POST",
        path: "/api/items",
        handler: async (req, res) => sendJson(res, 201, { got: await readJsonBody(req, 64) }),
      },
      {
        method: "GET",
        path: "/fs",
        prefix: true,
        handler: (_q, res, ctx) => {
          if (ctx.rest.includes("..")) throw new HttpError(400, "EINVAL", "path escapes");
          sendJson(res, 200, { rest: ctx.rest });
        },
      },
      {
        method: "GET",
        path: "/boom",
        handler: () => {
          throw new Error("bug");
        },
      },
    ],
  });
  const port = await service.listen();
  return `http://127.0.0.1:${port}`;
}

async function get(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; body: string; headers: Headers }> {
  const res = await fetch(url, init);
  return { status: res.status, body: await res.text(), headers: res.headers };
}

describe("createHttpServer", () => {
  it("serves /livez, /readyz (503 until ready) and /metrics", async () => {
    let ready = false;
    const base = await start(() => ready);
    expect((await get(`${base}/livez`)).status).toBe(200);
    expect((await get(`${base}/readyz`)).status).toBe(503);
    ready = true;
    expect((await get(`${base}/readyz`)).status).toBe(200);
    const metrics = await get(`${base}/metrics`);
    expect(metrics.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(metrics.body).toContain("demo_requests_total 1");
  });

  it("routes by method and path prefix and answers JSON errors", async () => {
    const base = await start(() => true);
    expect(JSON.parse((await get(`${base}/api/items`)).body)).toEqual([1, 2]);
    const posted = await get(`${base}/api/items`, { method: "POST", body: '{"a":1}' });
    expect(posted.status).toBe(201);
    expect(JSON.parse(posted.body)).toEqual({ got: { a: 1 } });
    expect(JSON.parse((await get(`${base}/fs/a/b.txt`)).body)).toEqual({ rest: "a/b.txt" });

    const missing = await get(`${base}/nope`);
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toMatchObject({ error: { code: "ENOENT" } });
    const wrongMethod = await get(`${base}/api/items`, { method: "DELETE" });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("GET, POST");
    const badJson = await get(`${base}/api/items`, { method: "POST", body: "{" });
    expect(badJson.status).toBe(400);
    expect(JSON.parse(badJson.body)).toMatchObject({ error: { code: "EBADMSG" } });
    expect((await get(`${base}/api/items`, { method: "POST", body: "x".repeat(100) })).status).toBe(413);
    expect((await get(`${base}/fs/../etc`)).status).toBe(404); // URL normalises; the route never sees ".."
    expect((await get(`${base}/fs/a..b`)).status).toBe(400);
    const crash = await get(`${base}/boom`);
    expect(crash.status).toBe(500);
    expect((await get(`${base}/livez`)).status).toBe(200);
  });

  it("close() ends keep-alive connections and leaves the upgrade event to the caller", async () => {
    const base = await start(() => true);
    const upgraded = new Promise<string>((resolve) => {
      service!.server.on("upgrade", (req, socket) => {
        socket.end("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n");
        resolve(req.url ?? "");
      });
    });
    const req = request(`${base}/hypercall`, { headers: { connection: "Upgrade", upgrade: "test" } });
    req.on("upgrade", (_res, socket) => socket.destroy());
    req.end();
    expect(await upgraded).toBe("/hypercall");

    const agent = await fetch(`${base}/livez`, { keepalive: true });
    expect(agent.status).toBe(200);
    await service!.close();
    await expect(fetch(`${base}/livez`)).rejects.toThrow();
  });
});
