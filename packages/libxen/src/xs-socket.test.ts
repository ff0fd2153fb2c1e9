// The socket transport against a bare xs_wire server (no store): replies in order, watch events
// to the client's callback, XS_ERROR as XenError, and a broken or closed socket failing what waits.
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  encodeXsdSockmsg,
  encodeXsPayload,
  XEN_ERRNO,
  XS,
  type XsdSockmsg,
  XsdSockmsgDecoder,
} from "@xenfs/proto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { XenStoreClient } from "./xenstore.js";
import { XsSocketTransport } from "./xs-socket.js";

/** A server that hands each request frame to `answer` with the client's socket. */
async function serve(path: string, answer: (msg: XsdSockmsg, socket: Socket) => void): Promise<Server> {
  const server = createServer((socket) => {
    const decoder = new XsdSockmsgDecoder();
    socket.on("data", (chunk) => {
      for (const msg of decoder.push(chunk)) answer(msg, socket);
    });
  });
  server.listen(path);
  await once(server, "listening");
  return server;
}

/** A reply to `msg`: the strings NUL-terminated, then a READ's value as is. */
const reply = (socket: Socket, msg: XsdSockmsg, type: number, strings: string[], value?: string) =>
  socket.write(
    encodeXsdSockmsg({
      type,
      req_id: msg.req_id,
      tx_id: msg.tx_id,
      payload: encodeXsPayload(strings, value),
    }),
  );

describe("XsSocketTransport", () => {
  let dir: string;
  let server: Server | undefined;
  const path = () => join(dir, "socket");

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "xs-socket-"));
  });
  afterEach(async () => {
    server?.close();
    server = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it("answers requests in order, delivers watch events by token and throws XS_ERROR as XenError", async () => {
    server = await serve(path(), (msg, socket) => {
      if (msg.type === XS.WATCH) {
        reply(socket, msg, XS.WATCH, ["OK"]);
        socket.write(
          encodeXsdSockmsg({
            type: XS.WATCH_EVENT,
            req_id: 0,
            tx_id: 0,
            payload: encodeXsPayload(["/w", "tok"]),
          }),
        );
      } else if (msg.type === XS.READ) {
        const [path] = new TextDecoder().decode(msg.payload).split("\0");
        if (path === "/missing") reply(socket, msg, XS.ERROR, ["ENOENT"]);
        else reply(socket, msg, XS.READ, [], `value of ${path} in tx ${msg.tx_id}`);
      }
    });
    const xs = new XenStoreClient(await XsSocketTransport.open(path()));
    try {
      const events: string[] = [];
      await xs.watch("/w", "tok", (p, t) => events.push(`${p} ${t}`));
      expect(await Promise.all([xs.read("/a"), xs.read("/b", 7)])).toEqual([
        "value of /a in tx 0",
        "value of /b in tx 7",
      ]);
      expect(events).toEqual(["/w tok"]);
      await expect(xs.read("/missing")).rejects.toMatchObject({
        name: "XenError",
        code: "ENOENT",
        status: -XEN_ERRNO.ENOENT,
        op: "XS_READ",
      });
    } finally {
      xs.close();
    }
  });

  it("fails what waits, and tells onClose, with EIO on a bad frame and ECONNRESET when the socket closes", async () => {
    server = await serve(path(), (msg, socket) => {
      if (msg.type === XS.READ) {
        // A header whose len is over XENSTORE_PAYLOAD_MAX: the framing is broken from here on.
        socket.write(new Uint8Array([2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0]));
      } else {
        socket.destroy();
      }
    });
    const broken = new XenStoreClient(await XsSocketTransport.open(path()));
    const brokenReason = new Promise<Error>((resolve) => broken.onClose(resolve));
    await expect(broken.read("/a")).rejects.toMatchObject({ code: "EIO", status: -XEN_ERRNO.EIO });
    expect(await brokenReason).toMatchObject({ code: "EIO" });
    await expect(broken.read("/a")).rejects.toMatchObject({ code: "EIO" });

    const dropped = new XenStoreClient(await XsSocketTransport.open(path()));
    await expect(dropped.mkdir("/a")).rejects.toMatchObject({ code: "ECONNRESET", status: -XEN_ERRNO.EIO });
    const late = new Promise<Error>((resolve) => dropped.onClose(resolve));
    expect(await late).toMatchObject({ code: "ECONNRESET" });
  });
});
