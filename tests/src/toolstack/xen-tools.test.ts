// Our xenstore-* against Debian's (xenstore-utils), on one xenstored socket of a real
// XenStore (as the hypervisor's, with dom0 and one guest introduced): same bytes on stdout and stderr, same exit status, same requests on
// the wire, same tree afterwards.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XenStoreClient, XsInProcessTransport } from "@xenfs/libxen";
import { XS } from "@xenfs/proto";
import { skipReason } from "@xenfs/testkit-skip";
import { runXenstore, runXenstoreMultiplexed, XS_MODES, type XsMode } from "@xenfs/toolstack";
import { startXenstoredSocket, XenStore, type XenstoredSocket } from "@xenfs/xenstored";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureIo } from "./host.js";

const REAL = [...XS_MODES.map((m) => `/usr/bin/xenstore-${m}`), "/usr/bin/xenstore"];
const missing = REAL.filter((tool) => !existsSync(tool));
const TITLE = "byte-identical to Xen's tools";
const skip = skipReason(
  TITLE,
  missing.length > 0 ? `${missing.join(", ")} not installed (apt-get install xenstore-utils)` : undefined,
);

interface Outcome {
  status: number;
  stdout: string; // latin1, so every byte compares
  stderr: string;
  requests: string[];
  tree: string[];
}

let dir: string;
let store: XenStore;
let socket: XenstoredSocket;
let dom0: XenStoreClient;
let recording: XenstoredSocket;
const requests: string[] = [];
/** Runs once before the next request of the given type reaches the store. */
let interfere: { type: number; run(): void } | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "toolstack-xenstore-"));
  store = new XenStore();
  // What the hypervisor does as dom0 and then a guest join.
  store.introduceDomain(0, "Domain-0");
  store.introduceDomain(1, "guest-one");
  socket = await startXenstoredSocket(store, join(dir, "xenstored/socket"));
  dom0 = new XenStoreClient(new XsInProcessTransport(store, 0));
  // A second socket on the same store records what each tool asks for.
  recording = await startXenstoredSocket(
    {
      connect(domid, onWatchEvent) {
        const conn = store.connect(domid, onWatchEvent);
        return {
          request(type, txId, payload) {
            requests.push(`${type} ${txId} ${Buffer.from(payload).toString("latin1")}`);
            if (interfere?.type === type) {
              const { run } = interfere;
              interfere = undefined;
              run();
            }
            return conn.request(type, txId, payload);
          },
          close: () => conn.close(),
        };
      },
      introduceDomain: (domid, name) => store.introduceDomain(domid, name),
      releaseDomain: (domid) => store.releaseDomain(domid),
    },
    join(socket.path, "../recorded/socket"),
  );
});
afterAll(async () => {
  await recording.close();
  dom0.close();
  await socket.close();
  await rm(dir, { recursive: true, force: true });
});

/** The same /t for every run: values with escapes, a long one, an empty chain, a permission. */
async function setUp(): Promise<void> {
  await dom0.rm("/t");
  await dom0.write("/t/a", "alpha");
  await dom0.write("/t/b", Uint8Array.from([0x78, 0x09, 0x79, 0x5c, 0x01, 0xc3, 0xa9]));
  await dom0.write("/t/long", "v".repeat(100));
  await dom0.write("/t/deep/x/y", "");
  await dom0.write("/t/perm", "p");
  await dom0.setPerms("/t/perm", ["n0", "r1"]);
}

async function tree(path = "/t"): Promise<string[]> {
  const lines: string[] = [];
  for (const child of await dom0.directory(path).catch(() => [])) {
    const node = `${path}/${child}`;
    lines.push(
      `${node} = ${JSON.stringify(await dom0.read(node))} ${JSON.stringify(await dom0.getPerms(node))}`,
    );
    lines.push(...(await tree(node)));
  }
  return lines;
}

function env(socket: string) {
  return { XENSTORED_PATH: socket };
}

async function ours(mode: XsMode | "xenstore", args: string[], socket = recording.path): Promise<Outcome> {
  await setUp();
  requests.length = 0;
  const captured = captureIo(env(socket));
  const status =
    mode === "xenstore"
      ? await runXenstoreMultiplexed(args, captured.io)
      : await runXenstore(mode, args, captured.io);
  return {
    status,
    stdout: captured.stdout().toString("latin1"),
    stderr: captured.stderr(),
    requests: [...requests],
    tree: await tree(),
  };
}

async function theirs(mode: XsMode | "xenstore", args: string[], socket = recording.path): Promise<Outcome> {
  await setUp();
  requests.length = 0;
  const name = mode === "xenstore" ? "xenstore" : `xenstore-${mode}`;
  const run = await new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    // Found on PATH, so it names itself as when typed (usage lines print argv[0]).
    const options = {
      env: { ...process.env, ...env(socket), PATH: "/usr/bin" },
      timeout: 10_000,
      encoding: "latin1" as const,
    };
    execFile(name, args, options, (error, stdout, stderr) => {
      resolve({ status: error ? Number(error.code ?? -1) : 0, stdout, stderr });
    });
  });
  return { ...run, requests: [...requests], tree: await tree() };
}

describe("xenstore-* against the hypervisor's XenStore", () => {
  it("xenstore-read prints sanitised values, -p with the path, -R raw bytes; a missing path is exit 1", async () => {
    expect(await ours("read", ["/t/a", "/t/b"])).toMatchObject({
      status: 0,
      stdout: "alpha\nx\\ty\\\\\\001\\xc3\\xa9\n",
      stderr: "",
    });
    expect((await ours("read", ["-p", "/local/domain/1/name"])).stdout).toBe(
      "/local/domain/1/name: guest-one\n",
    );
    expect((await ours("read", ["-R", "/t/b"])).stdout).toBe("x\ty\\\x01\xc3\xa9");
    expect(await ours("read", ["/t/a", "/t/nope"])).toMatchObject({
      status: 1,
      stdout: "alpha\n",
      stderr: "xenstore-read: couldn't read path /t/nope\n",
    });
  });

  it("xenstore-write stores unsanitised values inside one transaction", async () => {
    const run = await ours("write", ["/t/new", "a\\x00b", "/t/other", "2"]);
    expect(run).toMatchObject({ status: 0, stdout: "", stderr: "" });
    expect(run.requests).toEqual(["6 0 \0", "11 1 /t/new\0a\0b", "11 1 /t/other\u00002", "7 1 T\0"]);
    expect((await ours("write", ["/t/odd"])).stderr).toBe(
      "xenstore-write: Usage: xenstore-write [-h] [-s] [-R] key value [...]\n",
    );
  });

  it("restarts a transaction that ends in EAGAIN and prints only the run that committed", async () => {
    const dom0Conn = store.connect(0, () => {});
    const change = () => dom0Conn.request(XS.WRITE, 0, Buffer.from("/t/a\0changed"));
    interfere = { type: XS.TRANSACTION_END, run: change };
    const run = await ours("read", ["/t/a", "/t/deep"]);
    expect(run).toMatchObject({ status: 0, stdout: "changed\n\n", stderr: "" });
    expect(run.requests.filter((r) => r.startsWith(`${XS.TRANSACTION_START} `))).toHaveLength(2);
    dom0Conn.close();
  });

  it("xenstore-ls prints the tree, cut to the width, -p with permissions, -f with whole paths", async () => {
    const plain = await ours("ls", ["/t"]);
    expect(plain.stdout.split("\n")).toEqual([
      'a = "alpha"',
      'b = "x\\ty\\\\\\001\\xc3\\xa9"',
      `long = "${"v".repeat(68)}\\..."`,
      'deep = ""',
      ' x = ""',
      '  y = ""',
      'perm = "p"',
      "",
    ]);
    expect((await ours("ls", ["-p", "/t/perm/.."])).status).toBe(1);
    const perms = (await ours("ls", ["-p", "/t"])).stdout.split("\n");
    expect(perms[0]).toBe(`a = "alpha"  ${". ".repeat(24)} (n0)`);
    expect(perms.at(-2)).toBe(`perm = "p" ${". ".repeat(24)}.  (n0,r1)`);
    expect((await ours("ls", ["-f", "/t/deep"])).stdout).toBe('/t/deep/x = ""\n/t/deep/x/y = ""\n');
    expect(await ours("ls", ["/t/nope"])).toMatchObject({
      status: 1,
      stderr: "xenstore-ls: xs_directory (/t/nope): No such file or directory\n",
    });
  });

  it("xenstore-ls fits a terminal: its width less 2 (40 here: 40 − 8 − 4 = 28 characters of value)", async () => {
    await setUp();
    const captured = captureIo(env(socket.path), 42);
    expect(await runXenstore("ls", ["/t"], captured.io)).toBe(0);
    expect(captured.stdout().toString().split("\n")[2]).toBe(`long = "${"v".repeat(28)}\\..."`);
  });

  it("xenstore-list, xenstore-rm (-t tidies empty parents), xenstore-chmod (-u up, -r down)", async () => {
    expect((await ours("list", ["-p", "/t/deep"])).stdout).toBe("/t/deep/x\n");
    expect((await ours("rm", ["-t", "/t/deep/x/y"])).tree.some((l) => l.startsWith("/t/deep"))).toBe(false);
    const chmod = await ours("chmod", ["-u", "/t/deep/x", "r4"]);
    expect(chmod.tree.filter((l) => l.startsWith("/t/deep")).map((l) => l.split(" ").pop())).toEqual([
      '["r4"]',
      '["r4"]',
      '["n0"]',
    ]);
    expect(await ours("chmod", ["/t/a", "x1"])).toMatchObject({
      status: 1,
      stderr: "xenstore-chmod: Invalid permission specification: 'x'\n",
    });
  });

  it("xenstore-watch prints the first fire of each watch, then each change, up to -n", async () => {
    await setUp();
    const captured = captureIo(env(socket.path));
    const watching = runXenstore("watch", ["-n", "4", "/t/a", "/t/deep"], captured.io);
    const printed = async (lines: number) => {
      while (captured.stdout().toString().split("\n").length <= lines)
        await new Promise((r) => setImmediate(r));
    };
    await printed(2);
    await dom0.write("/t/elsewhere", "ignored");
    await dom0.write("/t/deep/x/z", "1");
    await printed(3);
    await dom0.rm("/t/a");
    expect(await watching).toBe(0);
    expect(captured.stdout().toString()).toBe("/t/a\n/t/deep\n/t/deep/x/z\n/t/a\n");
  });

  it("says what xs_open says when nothing listens at XENSTORED_PATH", async () => {
    const run = await ours("read", ["/t/a"], join(socket.path, "../none/socket"));
    expect(run).toMatchObject({ status: 1, stderr: "xenstore-read: xs_open: No such file or directory\n" });
  });
});

describe.skipIf(skip)(TITLE, () => {
  const cases: [XsMode | "xenstore", string[]][] = [
    ["read", ["/t/a"]],
    ["read", ["/t/a", "/t/b", "/t/long"]],
    ["read", ["-p", "/t/a", "/local/domain/1/name"]],
    ["read", ["-R", "/t/b"]],
    ["read", ["/t/nope"]],
    ["read", ["/t/a", "/t/nope", "/t/b"]],
    ["read", ["relative/path"]],
    ["read", []],
    ["read", ["-h"]],
    ["read", ["-t", "/t/a"]],
    ["read", ["-z", "/t/a"]],
    ["write", ["/t/new", "v"]],
    ["write", ["/t/x", "a\\x00b\\n\\101\\", "/t/y", "2"]],
    ["write", ["-R", "/t/r", "p\\x41q"]],
    ["write", ["/t/odd"]],
    ["write", ["/t//bad", "v"]],
    ["ls", ["/t"]],
    ["ls", ["-f", "/t"]],
    ["ls", ["-p", "/t"]],
    ["ls", ["-fp", "/t"]],
    ["ls", ["--flat", "--pre", "/t/deep", "/t/perm"]],
    ["ls", ["/local"]],
    ["ls", ["/t/nope"]],
    ["ls", ["-t", "/t"]],
    ["ls", ["--r", "/t/deep"]],
    ["list", ["/t", "/t/deep"]],
    ["list", ["-p", "/t"]],
    ["list", ["/t/nope"]],
    ["rm", ["/t/a"]],
    ["rm", ["-t", "/t/deep/x/y"]],
    ["rm", ["/t/a", "/t/missing", "/t/nope/x", "/t/b"]],
    ["chmod", ["/t/a", "n1", "r2"]],
    ["chmod", ["-r", "/t", "b3"]],
    ["chmod", ["-u", "/t/deep/x", "r4", "w05"]],
    ["chmod", ["-r", "-u", "/t/deep", "n7"]],
    ["chmod", ["/t/a", "x1"]],
    ["chmod", ["/t/nope", "n0"]],
    ["watch", ["-n", "2", "/t/a", "/t/deep"]],
    ["watch", []],
    ["watch", ["-n"]],
    ["xenstore", ["read", "/t/a"]],
    ["xenstore", ["ls", "-h"]],
    ["xenstore", []],
    ["xenstore", ["frobnicate"]],
  ];

  it.each(cases)("%s %j", async (mode, args) => {
    const mine = await ours(mode, args);
    expect(mine).toEqual(await theirs(mode, args));
  });

  it("restarts the same way after EAGAIN", async () => {
    const dom0Conn = store.connect(0, () => {});
    const change = () => dom0Conn.request(XS.WRITE, 0, Buffer.from("/t/a\0changed"));
    interfere = { type: XS.TRANSACTION_END, run: change };
    const mine = await ours("read", ["/t/a", "/t/b"]);
    interfere = { type: XS.TRANSACTION_END, run: change };
    expect(mine).toEqual(await theirs("read", ["/t/a", "/t/b"]));
    dom0Conn.close();
  });

  it("fails the same way when nothing listens at XENSTORED_PATH", async () => {
    const nowhere = join(socket.path, "../none/socket");
    expect(await ours("ls", ["/t"], nowhere)).toEqual(await theirs("ls", ["/t"], nowhere));
  });
});
