import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { takeSnapshot } from "./status-fetch.js";

const servers: Server[] = [];

async function serve(handler: Parameters<typeof createServer>[1]): Promise<number> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

async function closedPort(): Promise<number> {
  const port = await serve(() => {});
  const server = servers.pop()!;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe("takeSnapshot", () => {
  it("reads every endpoint that answers and leaves the rest undefined", async () => {
    const json = (body: unknown) => JSON.stringify(body);
    // One server plays hypervisor, dom0 and the first guest: the paths do not overlap.
    const port = await serve((req, res) => {
      if (req.url === "/api/domains")
        res.end(json([{ domid: 0, name: "Domain-0", state: "running", frames: 8 }]));
      else if (req.url === "/api/memory") res.writeHead(500).end(json({ frames: { total: 1 } }));
      else if (req.url === "/api/cache") res.end("this is not JSON");
      else if (req.url === "/api/mount")
        res.end(json({ mode: "copy", pagesHeld: 0, requests: 9, bytesRead: 4096 }));
      else res.writeHead(404).end();
    });
    const hanging = await serve(() => {}); // accepts, never answers
    const refused = await closedPort();

    const snapshot = await takeSnapshot(
      {
        hypervisorPort: port,
        dom0Port: port,
        guests: [
          { name: "guest-1", port },
          { name: "guest-2", port: refused },
          { name: "guest-3", port: hanging },
        ],
      },
      5000,
    );
    expect(snapshot).toEqual({
      at: 5000,
      domains: [{ domid: 0, name: "Domain-0", state: "running", frames: 8 }],
      memory: undefined,
      cache: undefined,
      guests: [
        { name: "guest-1", port, mount: { mode: "copy", pagesHeld: 0, requests: 9, bytesRead: 4096 } },
        { name: "guest-2", port: refused, mount: undefined },
        { name: "guest-3", port: hanging, mount: undefined },
      ],
    });
  });

  it("asks dom0 nothing when it is not running", async () => {
    const asked: string[] = [];
    const port = await serve((req, res) => {
      asked.push(req.url ?? "");
      res.writeHead(404).end();
    });
    const snapshot = await takeSnapshot({ hypervisorPort: port, dom0Port: undefined, guests: [] }, 0);
    expect(snapshot.cache).toBeUndefined();
    expect(asked.sort()).toEqual(["/api/domains", "/api/memory"]);
  });
});
