// An HTTP file server on loopback over the same export, as its own process: node:http streaming
// each file with fs.createReadStream (Range requests answered 206), a directory as a JSON list of
// its entries, HEAD for a file's size, PUT to write a file (fsync before the answer), DELETE to
// unlink. Prints {"event":"ready","url"}.
import { createReadStream, createWriteStream } from "node:fs";
import { open, readdir, stat, unlink } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join, normalize } from "node:path";
import { pipeline } from "node:stream/promises";
import { fail, report, requireEnv } from "@xenfs/testkit/stdio";

const root = requireEnv("HTTP_EXPORT");

async function put(path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  await pipeline(req, createWriteStream(path));
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  res.writeHead(201).end();
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const name = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
  const path = join(root, name);
  if (!path.startsWith(root)) {
    res.writeHead(403).end();
    return;
  }
  if (req.method === "PUT") return put(path, req, res);
  if (req.method === "DELETE") {
    await unlink(path);
    res.writeHead(204).end();
    return;
  }
  const info = await stat(path).catch(() => undefined);
  if (info?.isDirectory()) {
    const entries = await readdir(path, { withFileTypes: true });
    const list = entries.map((e) => ({ name: e.name, dir: e.isDirectory() }));
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(list));
    return;
  }
  if (!info?.isFile()) {
    res.writeHead(404).end();
    return;
  }
  if (req.method === "HEAD") {
    res.writeHead(200, { "content-length": info.size }).end();
    return;
  }
  const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? "");
  if (range) {
    const start = Number(range[1]);
    const end = Math.min(Number(range[2]), info.size - 1);
    res.writeHead(206, {
      "content-length": end - start + 1,
      "content-range": `bytes ${start}-${end}/${info.size}`,
    });
    createReadStream(path, { start, end }).pipe(res);
    return;
  }
  res.writeHead(200, { "content-length": info.size });
  createReadStream(path).pipe(res);
}

const server = createServer((req, res) => {
  handle(req, res).catch((error: NodeJS.ErrnoException) => {
    if (!res.headersSent) res.writeHead(error.code === "ENOENT" ? 404 : 500);
    res.end();
  });
});
server.on("error", fail);
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  report("ready", { url: `http://127.0.0.1:${port}` });
});
process.on("SIGTERM", () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
