// The overlay against Linux itself: random sequences of changes go to a cow guest's overlay and,
// as the reference, to a plain copy of the base on the host's filesystem. After every step both
// must list and read the same tree and fail with the same errno, the base must be untouched,
// and a fresh overlay over the same directories (dom0 restarted) must agree. The one difference
// allowed is overlayfs's: renaming a directory the base has is EXDEV.
import {
  cp,
  mkdir,
  mkdtemp,
  open,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  rmdir,
  truncate,
  unlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ExportFs } from "../export/index.js";
import type { OverlayFs } from "./overlay-fs.js";
import { Overlays } from "./overlays.js";

const DOM = 3;
const PATHS = ["a", "b", "d", "d/a", "d/b", "d/x", "d/x/a", "e", "e/a"] as const;

let top: string;
let exportDir: string;
let reference: string;
let overlayDir: string;

beforeEach(async () => {
  top = await realpath(await mkdtemp(join(tmpdir(), "xenfs-overlay-prop-")));
  exportDir = join(top, "export");
  reference = join(top, "reference");
  overlayDir = join(top, "overlays");
  await mkdir(join(exportDir, "d/x"), { recursive: true });
  await mkdir(join(exportDir, "e"));
  await mkdir(overlayDir);
  await writeFile(join(exportDir, "a"), "base a");
  await writeFile(join(exportDir, "d/a"), "base d/a");
  await writeFile(join(exportDir, "d/x/a"), "base d/x/a");
  await cp(exportDir, reference, { recursive: true });
});

afterEach(async () => {
  await rm(top, { recursive: true, force: true });
});

function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function viewOf(overlay: OverlayFs, dir = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of (await overlay.readdir(dir)).entries) {
    const path = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.type === "dir") out.push(`${path}/`, ...(await viewOf(overlay, path)));
    else {
      const id = await overlay.open(DOM, path, "r");
      out.push(`${path}=${Buffer.from(await overlay.read(DOM, id, 0, 4096)).toString()}`);
      await overlay.close(DOM, id);
    }
  }
  return out;
}

async function viewOfHost(root: string, dir = ""): Promise<string[]> {
  const out: string[] = [];
  const entries = (await readdir(join(root, dir), { withFileTypes: true })).sort((a, b) =>
    a.name < b.name ? -1 : 1,
  );
  for (const entry of entries) {
    const path = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(`${path}/`, ...(await viewOfHost(root, path)));
    else out.push(`${path}=${await readFile(join(root, path), "utf8")}`);
  }
  return out;
}

type Step = { readonly name: string; overlay(o: OverlayFs): Promise<unknown>; host(): Promise<unknown> };

function randomStep(random: () => number, n: number): Step {
  const pick = () => PATHS[Math.floor(random() * PATHS.length)] as string;
  const path = pick();
  const data = `v${n}`;
  const at = (p: string) => join(reference, p);
  switch (Math.floor(random() * 7)) {
    case 0:
      return {
        name: `write ${path}`,
        overlay: async (o) => {
          const id = await o.open(DOM, path, "w");
          await o.write(DOM, id, 0, Buffer.from(data));
          await o.close(DOM, id);
        },
        host: async () => {
          const handle = await open(at(path), "w");
          await handle.write(data, 0);
          await handle.close();
        },
      };
    case 1:
      return {
        name: `modify ${path}`,
        overlay: async (o) => {
          const id = await o.open(DOM, path, "r+");
          await o.write(DOM, id, 1, Buffer.from(data));
          await o.close(DOM, id);
        },
        host: async () => {
          const handle = await open(at(path), "r+");
          await handle.write(data, 1);
          await handle.close();
        },
      };
    case 2:
      return { name: `unlink ${path}`, overlay: (o) => o.unlink(path), host: () => unlink(at(path)) };
    case 3:
      return { name: `rmdir ${path}`, overlay: (o) => o.rmdir(path), host: () => rmdir(at(path)) };
    case 4:
      return { name: `mkdir ${path}`, overlay: (o) => o.mkdir(path), host: () => mkdir(at(path)) };
    case 5: {
      const to = pick();
      return {
        name: `rename ${path} ${to}`,
        overlay: (o) => o.rename(path, to),
        host: () => rename(at(path), at(to)),
      };
    }
    default:
      return {
        name: `truncate ${path}`,
        overlay: (o) => o.truncate(path, 2),
        host: () => truncate(at(path), 2),
      };
  }
}

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => "ok",
    (error: { code?: string }) => error.code ?? "?",
  );

describe("the overlay against the host's own filesystem", () => {
  it.each([1, 2, 3, 4])("agrees step by step on random changes (seed %i)", async (seed) => {
    const overlays = new Overlays(new ExportFs(exportDir), overlayDir);
    const overlay = await overlays.forGuest("prop");
    const baseBefore = await viewOfHost(exportDir);
    const random = prng(seed);
    const log: string[] = [];
    for (let n = 0; n < 150; n++) {
      const step = randomStep(random, n);
      log.push(step.name);
      const got = await codeOf(step.overlay(overlay));
      if (got === "EXDEV") {
        // overlayfs without redirect_dir: only a directory the base has.
        expect((await overlays.base.lstat(step.name.split(" ")[1] as string)).type, log.join("; ")).toBe(
          "dir",
        );
        continue;
      }
      const expected = await codeOf(step.host());
      expect(got, log.join("; ")).toBe(expected);
      expect(await viewOf(overlay), log.join("; ")).toEqual(await viewOfHost(reference));
    }
    expect(await viewOfHost(exportDir)).toEqual(baseBefore);
    const again = await new Overlays(new ExportFs(exportDir), overlayDir).forGuest("prop");
    expect(await viewOf(again)).toEqual(await viewOfHost(reference));
    await overlay.closeGuest(DOM);
    await again.closeGuest(DOM);
  });
});
