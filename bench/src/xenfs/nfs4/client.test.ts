// The bench's NFSv4 client against the real nfs-ganesha (skipped, with why, where it cannot
// run): positional reads, a directory's entries with types and sizes, a file larger than one
// READ read whole — every byte checked against the exported file — and files created, written,
// committed, stat'd and removed, checked on the exported directory.
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { skipReason } from "@xenfs/testkit-skip";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NFS_PSEUDO, type NfsServer, nfsPeerMissing, startNfsServer } from "../nfs-server.js";
import { Nfs4Client, Nfs4Error } from "./client.js";
import { Nfs4Session } from "./state.js";
import { XdrReader, XdrWriter } from "./xdr.js";

const BIG = Buffer.from(Array.from({ length: 2_500_001 }, (_, i) => (i * 7 + (i >> 11)) & 0xff));

describe("XDR", () => {
  it("pads opaque data to four bytes and reads back what it wrote", () => {
    const bytes = new XdrWriter()
      .u32(7)
      .string("abcde")
      .u64(2n ** 40n)
      .fixed(Buffer.from([1, 2]))
      .bytes();
    expect(bytes.length).toBe(4 + 4 + 8 + 8 + 4);
    const r = new XdrReader(bytes);
    expect([r.u32(), r.string(), r.u64(), [...r.fixed(2)]]).toEqual([7, "abcde", 2n ** 40n, [1, 2]]);
    expect(() => r.u32()).toThrow(/XDR: 4 bytes wanted/);
  });
});

const TITLE = "NFSv4 client against nfs-ganesha";
describe.skipIf(skipReason(TITLE, nfsPeerMissing()))(TITLE, () => {
  let dir: string;
  let server: NfsServer;
  let client: Nfs4Client;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "nfs4-client-"));
    await mkdir(join(dir, "tree", "sub"), { recursive: true });
    await writeFile(join(dir, "tree", "small.txt"), "hello, nfs\n");
    await writeFile(join(dir, "tree", "sub", "big.bin"), BIG);
    server = await startNfsServer(dir);
    client = await Nfs4Client.connect(server.port, NFS_PSEUDO);
  });
  afterAll(async () => {
    client?.close();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("reads at an offset, many reads in flight on one connection, and says where the file ends", async () => {
    const pieces = await Promise.all(
      Array.from({ length: 16 }, (_, i) => client.read("tree/sub/big.bin", i * 100_003, 4096)),
    );
    pieces.forEach((piece, i) => {
      expect(piece.data.equals(BIG.subarray(i * 100_003, i * 100_003 + 4096))).toBe(true);
      expect(piece.eof).toBe(false);
    });
    const end = await client.read("tree/sub/big.bin", BIG.length - 10, 4096);
    expect(end).toMatchObject({ eof: true });
    expect(end.data.equals(BIG.subarray(BIG.length - 10))).toBe(true);
  });

  it("lists a directory with each entry's type and size, and reads a file larger than one READ whole", async () => {
    const tree = await client.handleOf("tree");
    const entries = await client.readdir(tree);
    expect(entries.sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: "small.txt", directory: false, size: 11 },
      { name: "sub", directory: true, size: expect.any(Number) },
    ]);
    const sub = await client.handleOf("tree/sub");
    expect((await client.readFile(sub, "big.bin", BIG.length)).equals(BIG)).toBe(true);
    expect((await client.readFile(tree, "small.txt", 11)).toString()).toBe("hello, nfs\n");
  });

  it("fails a missing path with the server's status (NFS4ERR_NOENT), and a later lookup still works", async () => {
    await expect(client.read("tree/nope", 0, 10)).rejects.toMatchObject({ name: "Nfs4Error", status: 2 });
    await expect(client.read("tree/nope", 0, 10)).rejects.toBeInstanceOf(Nfs4Error);
    expect((await client.read("tree/small.txt", 7, 3)).data.toString()).toBe("nfs");
  });

  it("creates a file, writes it in pieces out of order, commits, and the export holds exactly those bytes", async () => {
    const session = await Nfs4Session.open(client);
    const tree = await client.handleOf("tree");
    const file = await session.create(tree, "written.bin");
    const piece = 1024 * 1024;
    const offsets = [2 * piece, 0, piece];
    const taken = await Promise.all(
      offsets.map((at) => session.write(file, at, BIG.subarray(at, Math.min(at + piece, BIG.length)))),
    );
    expect(taken).toEqual([BIG.length - 2 * piece, piece, piece]);
    await session.commit(file);
    await session.close(file);
    expect((await readFile(join(dir, "tree", "written.bin"))).equals(BIG)).toBe(true);
    expect(await session.stat(tree, "written.bin")).toBe(BIG.length);
  });

  it("creates, stats and removes many files with one open-owner, its seqid in step", async () => {
    const session = await Nfs4Session.open(client);
    const tree = await client.handleOf("tree");
    for (let i = 0; i < 20; i++) {
      await session.close(await session.create(tree, `m-${i}`));
      expect(await session.stat(tree, `m-${i}`)).toBe(0);
      expect((await stat(join(dir, "tree", `m-${i}`))).isFile()).toBe(true);
      await session.remove(tree, `m-${i}`);
      await expect(stat(join(dir, "tree", `m-${i}`))).rejects.toMatchObject({ code: "ENOENT" });
    }
    await expect(session.remove(tree, "m-0")).rejects.toMatchObject({ status: 2 });
  });
});
