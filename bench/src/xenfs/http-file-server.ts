// An HTTP file server on loopback over the same export, as its own process: node:http streaming
// each file with fs.createReadStream (Range requests answered 206). Prints {"event":"ready","url"}.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join, normalize } from "node:path";
import { fail, report, requireEnv } from "@xenfs/testkit/stdio";

const root = requireEnv("HTTP_EXPORT");

const server = createServer(async (req, res) => {
  const name = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
  const path = join(root, name);
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile() || !path.startsWith(root)) {
    res.writeHead(404).end();
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
