import { chmod, lstat, mkdir, rm } from "node:fs/promises";
import { createServer, type Socket } from "node:net";
import { dirname } from "node:path";
import { encodeXsdSockmsg, encodeXsPayload, XS, type XsdSockmsg, XsdSockmsgDecoder } from "@xenfs/proto";
import type { XsBackend } from "./backend.js";
import type { XenstoredLogger } from "./logger.js";

export interface XenstoredSocket {
  readonly path: string;
  close(): Promise<void>;
}

/**
 * Listen like xenstored on a unix socket (XENSTORED_PATH) speaking xs_wire, so Xen's own
 * xenstore-* tools work unmodified. Every client is dom0, as socket clients of xenstored are.
 */
export async function startXenstoredSocket(
  store: XsBackend,
  path: string,
  logger?: XenstoredLogger,
): Promise<XenstoredSocket> {
  await mkdir(dirname(path), { recursive: true });
  await removeStaleSocket(path);
  const clients = new Set<Socket>();
  const server = createServer((socket) => {
    clients.add(socket);
    serveClient(store, socket, logger);
    socket.on("close", () => clients.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => {
      server.off("error", reject);
      resolve();
    });
  });
  await chmod(path, 0o600);
  logger?.info({ path }, "xenstored socket listening");
  return {
    path,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of clients) socket.destroy();
      await closed;
      await rm(path, { force: true });
    },
  };
}

function serveClient(store: XsBackend, socket: Socket, logger?: XenstoredLogger): void {
  const send = (msg: XsdSockmsg) => {
    if (!socket.destroyed) socket.write(encodeXsdSockmsg(msg));
  };
  const conn = store.connect(0, (path, token) => {
    send({ type: XS.WATCH_EVENT, req_id: 0, tx_id: 0, payload: encodeXsPayload([path, token]) });
  });
  const decoder = new XsdSockmsgDecoder();
  socket.on("data", (chunk) => {
    let messages: XsdSockmsg[];
    try {
      messages = decoder.push(chunk);
    } catch (error) {
      // xenstored drops a client that breaks the framing; the others carry on.
      logger?.warn({ err: error }, "xenstored socket: bad frame, closing client");
      socket.destroy();
      return;
    }
    for (const { type, req_id, tx_id, payload } of messages) {
      const reply = conn.request(type, tx_id, payload);
      send({ type: reply.type, req_id, tx_id, payload: reply.payload });
    }
  });
  socket.on("error", (error) => logger?.debug({ err: error }, "xenstored socket client error"));
  socket.on("close", () => conn.close());
}

/** A socket left by an earlier run is removed; anything else at the path is left alone. */
async function removeStaleSocket(path: string): Promise<void> {
  const existing = await lstat(path).catch(() => undefined);
  if (existing?.isSocket()) await rm(path);
}
