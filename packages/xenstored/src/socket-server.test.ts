import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  decodeXsStrings,
  encodeXsdSockmsg,
  encodeXsPayload,
  XENSTORE_PAYLOAD_MAX,
  XS,
  type XsdSockmsg,
  XsdSockmsgDecoder,
} from "@xenfs/proto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startXenstoredSocket, type XenstoredSocket } from "./socket-server.js";
import { XenStore } from "./store.js";

/** A raw xs_wire client: send frames, await the next frame. */
async function rawClient(path: string) {
  const socket: Socket = connect(path);
  await once(socket, "connect");
  const decoder = new XsdSockmsgDecoder();
  const frames: XsdSockmsg[] = [];
  let wake: (() => void) | undefined;
  socket.on("data", (chunk) => {
    frames.push(...decoder.push(chunk));
    wake?.();
  });
  const closed = once(socket, "close");
  return {
    socket,
    closed,
    send(type: number, req_id: number, tx_id: number, payload: Uint8Array) {
      socket.write(encodeXsdSockmsg({ type, req_id, tx_id, payload }));
    },
    async next(): Promise<XsdSockmsg> {
      while (frames.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      return frames.shift()!;
    },
  };
}

describe("startXenstoredSocket", () => {
  let dir: string;
  let server: XenstoredSocket | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "xenstored-"));
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it("creates the parent directory and a 0600 socket, and echoes req_id and tx_id", async () => {
    server = await startXenstoredSocket(new XenStore(), join(dir, "run/xenstored/socket"));
    expect((await stat(server.path)).mode & 0o777).toBe(0o600);
    const client = await rawClient(server.path);
    client.send(XS.TRANSACTION_START, 41, 0, encodeXsPayload([""]));
    const started = await client.next();
    expect(started).toMatchObject({ type: XS.TRANSACTION_START, req_id: 41, tx_id: 0 });
    const tx = Number(decodeXsStrings(started.payload)[0]);
    client.send(XS.WRITE, 42, tx, encodeXsPayload(["/sock", "v"]));
    expect(await client.next()).toMatchObject({
      type: XS.WRITE,
      req_id: 42,
      tx_id: tx,
      payload: encodeXsPayload(["OK"]),
    });
    client.send(XS.READ, 43, 0, encodeXsPayload(["/sock"]));
    expect(await client.next()).toMatchObject({
      type: XS.ERROR,
      req_id: 43,
      payload: encodeXsPayload(["ENOENT"]),
    });
    client.socket.destroy();
  });

  it("sends WATCH_EVENT with req_id = tx_id = 0 after the WATCH reply", async () => {
    server = await startXenstoredSocket(new XenStore(), join(dir, "socket"));
    const client = await rawClient(server.path);
    client.send(XS.WATCH, 7, 0, encodeXsPayload(["/tool", "tok"]));
    expect(await client.next()).toMatchObject({
      type: XS.WATCH,
      req_id: 7,
      payload: encodeXsPayload(["OK"]),
    });
    expect(await client.next()).toEqual({
      type: XS.WATCH_EVENT,
      req_id: 0,
      tx_id: 0,
      payload: encodeXsPayload(["/tool", "tok"]),
    });
    client.socket.destroy();
  });

  it("closes a client announcing an oversized payload, and only that client", async () => {
    server = await startXenstoredSocket(new XenStore(), join(dir, "socket"));
    const bad = await rawClient(server.path);
    const good = await rawClient(server.path);
    const header = new Uint8Array(16);
    new DataView(header.buffer).setUint32(12, XENSTORE_PAYLOAD_MAX + 1, true);
    bad.socket.write(header);
    await bad.closed;
    good.send(XS.DIRECTORY, 1, 0, encodeXsPayload(["/"]));
    expect(decodeXsStrings((await good.next()).payload)).toEqual(["tool", "local"]);
    good.socket.destroy();
  });

  it("replaces a socket left behind by a killed daemon", async () => {
    const path = join(dir, "socket");
    const listen = "require('net').createServer().listen(process.argv[1], () => console.log('up'))";
    const stale = spawn(process.execPath, ["-e", listen, path], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      await once(stale.stdout, "data");
    } finally {
      stale.kill("SIGKILL");
    }
    await once(stale, "exit");
    expect((await stat(path)).isSocket()).toBe(true);
    server = await startXenstoredSocket(new XenStore(), path);
    const client = await rawClient(path);
    client.send(XS.GET_DOMAIN_PATH, 3, 0, encodeXsPayload(["2"]));
    expect(decodeXsStrings((await client.next()).payload)).toEqual(["/local/domain/2"]);
    client.socket.destroy();
  });
});
