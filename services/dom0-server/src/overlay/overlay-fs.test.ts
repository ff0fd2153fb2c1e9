// cow mode's overlay against a model of the merged tree: each step of the table changes both,
// then the overlay (and a fresh one over the same directories: dom0 restarted) must list and read
// exactly the model, the base on disk must be byte for byte what it was, and another guest must
// still see only the base.
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ExportFs } from "../export/index.js";
import type { OverlayFs } from "./overlay-fs.js";
import { Overlays } from "./overlays.js";

const DOM = 7;
type Node = { readonly type: "dir" } | { readonly type: "file"; readonly data: string };
type Model = Map<string, Node>;

let top: string;
let exportDir: string;
let overlayDir: string;
let overlays: Overlays;
let fs: OverlayFs;

const BASE: Record<string, string | null> = {
  "a.txt": "alpha",
  "b.txt": "bravo",
  docs: null,
  "docs/readme": "read me",
  "docs/deep": null,
  "docs/deep/x": "ex",
  empty: null,
};

beforeEach(async () => {
  top = await realpath(await mkdtemp(join(tmpdir(), "xenfs-overlay-")));
  exportDir = join(top, "export");
  overlayDir = join(top, "overlays");
  await mkdir(exportDir);
  await mkdir(overlayDir);
  for (const [path, data] of Object.entries(BASE)) {
    if (data === null) await mkdir(join(exportDir, path));
    else await writeFile(join(exportDir, path), data);
  }
  overlays = new Overlays(new ExportFs(exportDir), overlayDir);
  fs = await overlays.forGuest("guest-a");
});

afterEach(async () => {
  await fs.closeGuest(DOM);
  await rm(top, { recursive: true, force: true });
});

function baseModel(): Model {
  return new Map(
    Object.entries(BASE).map(([path, data]) => [
      path,
      data === null ? { type: "dir" } : { type: "file", data },
    ]),
  );
}

/** The whole merged tree as the guest sees it: every name, and every file's bytes. */
async function view(overlay: OverlayFs, dir = "", into: Model = new Map()): Promise<Model> {
  for (const entry of (await overlay.readdir(dir)).entries) {
    const path = dir === "" ? entry.name : `${dir}/${entry.name}`;
    if (entry.type === "dir") {
      into.set(path, { type: "dir" });
      await view(overlay, path, into);
    } else {
      const id = await overlay.open(DOM, path, "r");
      const data = Buffer.from(await overlay.read(DOM, id, 0, 1 << 16)).toString();
      await overlay.close(DOM, id);
      into.set(path, { type: "file", data });
      expect((await overlay.stat(path)).size).toBe(Buffer.byteLength(data));
    }
  }
  return into;
}

/** Every file of a host directory with a hash of its bytes: the base must never change. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    out[path] = entry.isDirectory()
      ? "dir"
      : createHash("sha256")
          .update(await readFile(path))
          .digest("hex");
  }
  return out;
}

async function writeAll(overlay: OverlayFs, path: string, flags: "w" | "r+" | "a", data: string, at = 0) {
  const id = await overlay.open(DOM, path, flags);
  await overlay.write(DOM, id, at, Buffer.from(data));
  await overlay.close(DOM, id);
}

function renameInModel(model: Model, from: string, to: string): void {
  for (const [path, node] of [...model]) {
    if (path === from || path.startsWith(`${from}/`)) {
      model.delete(path);
      model.set(to + path.slice(from.length), node);
    }
  }
}

function removeInModel(model: Model, path: string): void {
  model.delete(path);
}

interface Step {
  readonly name: string;
  readonly act: (overlay: OverlayFs) => Promise<unknown>;
  readonly model: (model: Model) => void;
  /** The errno the overlay must refuse the step with (the model does not change). */
  readonly refused?: string;
}

const STEPS: readonly Step[] = [
  {
    name: "create a new file",
    act: (o) => writeAll(o, "new.txt", "w", "fresh"),
    model: (m) => m.set("new.txt", { type: "file", data: "fresh" }),
  },
  {
    name: "modify a base file in place (copy-up)",
    act: (o) => writeAll(o, "a.txt", "r+", "AL"),
    model: (m) => m.set("a.txt", { type: "file", data: "ALpha" }),
  },
  {
    name: "append to a base file in a base directory",
    act: (o) => writeAll(o, "docs/readme", "a", "!", 7),
    model: (m) => m.set("docs/readme", { type: "file", data: "read me!" }),
  },
  {
    name: "truncate a base file",
    act: (o) => o.truncate("b.txt", 2),
    model: (m) => m.set("b.txt", { type: "file", data: "br" }),
  },
  {
    name: "delete a base file (whiteout)",
    act: (o) => o.unlink("docs/deep/x"),
    model: (m) => removeInModel(m, "docs/deep/x"),
  },
  {
    name: "remove the now empty base directory",
    act: (o) => o.rmdir("docs/deep"),
    model: (m) => removeInModel(m, "docs/deep"),
  },
  {
    name: "make a directory where the base had one (opaque)",
    act: (o) => o.mkdir("docs/deep"),
    model: (m) => m.set("docs/deep", { type: "dir" }),
  },
  {
    name: "a base directory that is not empty is not removed",
    act: (o) => o.rmdir("docs"),
    model: () => {},
    refused: "ENOTEMPTY",
  },
  {
    name: "rename a base file into a new directory",
    act: async (o) => {
      await o.mkdir("moved");
      await o.rename("a.txt", "moved/a");
    },
    model: (m) => {
      m.set("moved", { type: "dir" });
      renameInModel(m, "a.txt", "moved/a");
    },
  },
  {
    name: "rename a base file over another base file",
    act: (o) => o.rename("b.txt", "docs/readme"),
    model: (m) => renameInModel(m, "b.txt", "docs/readme"),
  },
  {
    name: "a base directory is not renamed (overlayfs without redirect_dir)",
    act: (o) => o.rename("empty", "empty2"),
    model: () => {},
    refused: "EXDEV",
  },
  {
    name: "rename a directory of the guest's own",
    act: (o) => o.rename("moved", "moved2"),
    model: (m) => renameInModel(m, "moved", "moved2"),
  },
  {
    name: "delete a file the guest created",
    act: (o) => o.unlink("new.txt"),
    model: (m) => removeInModel(m, "new.txt"),
  },
  {
    name: "re-create a deleted base name (whiteout goes)",
    act: (o) => writeAll(o, "docs/deep/x", "w", "again"),
    model: (m) => m.set("docs/deep/x", { type: "file", data: "again" }),
  },
  {
    name: "overlay names are the overlay's",
    act: (o) => o.create(".wh.sneaky", 0o644, { exclusive: true }),
    model: () => {},
    refused: "EINVAL",
  },
  {
    name: "an existing name is not made again",
    act: (o) => o.mkdir("docs"),
    model: () => {},
    refused: "EEXIST",
  },
];

describe("cow mode's overlay", () => {
  it("follows overlay semantics step by step; base untouched; survives dom0's restart", async () => {
    const before = await snapshot(exportDir);
    const model = baseModel();
    expect(await view(fs)).toEqual(model);
    for (const step of STEPS) {
      if (step.refused) {
        await expect(step.act(fs), step.name).rejects.toMatchObject({ code: step.refused });
      } else {
        await step.act(fs);
        step.model(model);
      }
      expect(await view(fs), step.name).toEqual(model);
      expect(await snapshot(exportDir), `${step.name}: base untouched`).toEqual(before);
    }
    // dom0 restarted: new objects over the same directories.
    const again = await new Overlays(new ExportFs(exportDir), overlayDir).forGuest("guest-a");
    expect(await view(again)).toEqual(model);
    // Another guest sees the base alone.
    const other = await overlays.forGuest("guest-b");
    expect(await view(other)).toEqual(baseModel());
    await other.closeGuest(DOM);
    await again.closeGuest(DOM);
  });

  it("diff lists the guest's changes and reset discards them", async () => {
    await writeAll(fs, "a.txt", "r+", "A");
    await writeAll(fs, "docs/new", "w", "n");
    await fs.unlink("b.txt");
    await fs.rmdir("empty");
    await fs.mkdir("empty");
    expect(await overlays.diff("guest-a")).toEqual([
      { kind: "C", path: "a.txt" },
      { kind: "D", path: "b.txt" },
      { kind: "A", path: "docs/new" },
      { kind: "C", path: "empty" },
    ]);
    expect(await overlays.diff("guest-b")).toEqual([]);
    await fs.closeGuest(DOM);
    await overlays.reset("guest-a");
    fs = await overlays.forGuest("guest-a");
    expect(await view(fs)).toEqual(baseModel());
    expect(await overlays.diff("guest-a")).toEqual([]);
  });

  it("a read-only open of an untouched file reads the base's own inode (its cache pages are shared)", async () => {
    const id = await fs.open(DOM, "a.txt", "r");
    const viaOverlay = await fs.fstat(DOM, id);
    expect(viaOverlay.ino).toBe((await overlays.base.lstat("a.txt")).ino);
    await fs.close(DOM, id);
    await writeAll(fs, "a.txt", "r+", "A");
    expect((await fs.stat("a.txt")).ino).not.toBe((await overlays.base.lstat("a.txt")).ino);
  });

  it("refuses a guest name that is not one directory name", async () => {
    for (const name of ["", "..", "a/b", ".hidden"]) {
      await expect(overlays.forGuest(name)).rejects.toMatchObject({ code: expect.any(String) });
    }
  });
});
