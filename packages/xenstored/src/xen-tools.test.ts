// Debian's xenstore-utils (libxenstore) against our socket: the tools must work unmodified.
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { XS } from "@xenfs/proto";
import { skipReason } from "@xenfs/testkit-skip";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StoreClient } from "../test/client.js";
import type { XsBackend } from "./backend.js";
import { startXenstoredSocket, type XenstoredSocket } from "./socket-server.js";
import { XenStore } from "./store.js";

const TOOLS = ["ls", "read", "write", "rm", "list", "chmod", "watch"].map((t) => `/usr/bin/xenstore-${t}`);
const missing = TOOLS.filter((tool) => !existsSync(tool));
const TITLE = "Xen's xenstore-* tools against startXenstoredSocket";
const skip = skipReason(
  TITLE,
  missing.length > 0 ? `${missing.join(", ")} not installed (apt-get install xenstore-utils)` : undefined,
);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe.skipIf(skip)(TITLE, () => {
  let dir: string;
  let server: XenstoredSocket;
  let store: XenStore;
  let dom0: StoreClient;
  const requestTypes: number[] = [];

  /** Runs a tool with XENSTORED_PATH pointing at our socket (killed after 10 s at worst). */
  function tool(name: string, ...args: string[]): Promise<Run> {
    const env = { ...process.env, XENSTORED_PATH: server.path };
    return new Promise((resolve) => {
      execFile(`/usr/bin/xenstore-${name}`, args, { env, timeout: 10_000 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "xenstore-tools-"));
    store = new XenStore();
    // Record what the tools send, to check they speak through transactions as libxenstore does.
    const recording: XsBackend = {
      connect(domid, onWatchEvent) {
        const conn = store.connect(domid, onWatchEvent);
        return {
          request(type, txId, payload) {
            requestTypes.push(type);
            return conn.request(type, txId, payload);
          },
          close: () => conn.close(),
        };
      },
      introduceDomain: (domid, name) => store.introduceDomain(domid, name),
      releaseDomain: (domid) => store.releaseDomain(domid),
    };
    server = await startXenstoredSocket(recording, join(dir, "run/xenstored/socket"));
    dom0 = new StoreClient(store, 0);
    store.introduceDomain(1, "guest-one");
  });

  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("xenstore-write and xenstore-read round-trip values, inside a transaction", async () => {
    requestTypes.length = 0;
    expect(await tool("write", "/vm/a", "hello", "/vm/b", "x y")).toEqual({
      code: 0,
      stdout: "",
      stderr: "",
    });
    expect(requestTypes[0]).toBe(XS.TRANSACTION_START);
    expect(requestTypes.at(-1)).toBe(XS.TRANSACTION_END);
    expect(await dom0.read("/vm/b")).toBe("x y");
    expect(await tool("read", "/vm/a", "/vm/b")).toEqual({ code: 0, stdout: "hello\nx y\n", stderr: "" });
    expect(await tool("read", "-s", "/local/domain/1/name")).toEqual({
      code: 0,
      stdout: "guest-one\n",
      stderr: "",
    });
  });

  it("xenstore-ls prints the tree, with -p the permissions", async () => {
    await dom0.write("/ls/one", "1");
    await dom0.write("/ls/two/deep", "d");
    await dom0.setPerms("/ls/one", ["n0", "r1"]);
    expect(await tool("ls", "/ls")).toEqual({
      code: 0,
      stdout: 'one = "1"\ntwo = ""\n deep = "d"\n',
      stderr: "",
    });
    // -p pads with dots to the 80 columns libxenstore assumes without a terminal.
    expect(await tool("ls", "-p", "/local/domain/1")).toEqual({
      code: 0,
      stdout: `name = "guest-one" ${". ".repeat(21)} (n1)\ndomid = "1"  ${". ".repeat(24)} (n1)\n`,
      stderr: "",
    });
    const whole = await tool("ls");
    expect(whole.stdout.split("\n").slice(0, 4)).toEqual([
      'tool = ""',
      ' xenstored = ""',
      'local = ""',
      ' domain = ""',
    ]);
  });

  it("xenstore-list lists children", async () => {
    await dom0.write("/list/a", "");
    await dom0.write("/list/b", "");
    expect(await tool("list", "/list")).toEqual({ code: 0, stdout: "a\nb\n", stderr: "" });
  });

  it("xenstore-chmod sets permissions, recursively with -r", async () => {
    await dom0.write("/chmod/x/y", "v");
    expect((await tool("chmod", "/chmod/x", "n1", "r2")).code).toBe(0);
    expect(await dom0.getPerms("/chmod/x")).toEqual(["n1", "r2"]);
    expect(await dom0.getPerms("/chmod/x/y")).toEqual(["n0"]);
    expect((await tool("chmod", "-r", "/chmod", "b3")).code).toBe(0);
    expect(await dom0.getPerms("/chmod/x/y")).toEqual(["b3"]);
  });

  it("xenstore-rm removes a subtree; reading it afterwards fails as with xenstored", async () => {
    await dom0.write("/gone/a/b", "v");
    expect(await tool("rm", "/gone/a")).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(await dom0.directory("/gone")).toEqual([]);
    expect(await tool("read", "/gone/a/b")).toEqual({
      code: 1,
      stdout: "",
      stderr: "xenstore-read: couldn't read path /gone/a/b\n",
    });
  });

  it("xenstore-watch prints the initial fire and each change below the path", async () => {
    await dom0.mkdir("/watched");
    const env = { ...process.env, XENSTORED_PATH: server.path };
    const watcher = spawn("/usr/bin/xenstore-watch", ["-n", "3", "/watched"], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const killer = setTimeout(() => watcher.kill("SIGKILL"), 10_000);
    try {
      const lines = createInterface({ input: watcher.stdout });
      const seen: string[] = [];
      for await (const line of lines) {
        seen.push(line);
        // One change per line seen: identical events still pending would be merged, as xenstored does.
        if (seen.length === 1) {
          await dom0.write("/elsewhere", "ignored");
          await dom0.write("/watched/x", "1");
        }
        if (seen.length === 2) await dom0.rm("/watched");
        if (seen.length === 3) break;
      }
      expect(seen).toEqual(["/watched", "/watched/x", "/watched"]);
    } finally {
      clearTimeout(killer);
      watcher.kill("SIGKILL");
      if (watcher.exitCode === null && watcher.signalCode === null) await once(watcher, "exit");
    }
  });
});
