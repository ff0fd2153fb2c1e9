// The tree dom0 exports when no --export is given: a few directories, text that spans several
// 4 KiB pages, binary files of a few MiB (so page sharing shows in the frame counts) and a
// symlink that stays inside the export. Generating is idempotent: files already right are left
// alone, anything changed or missing is rewritten, files added by guests are kept.
import { mkdir, readFile, readlink, rm, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { seededBytes } from "./prng.js";

const MiB = 1024 * 1024;

export type SampleEntry =
  | { readonly path: string; readonly kind: "file"; readonly content: () => Buffer }
  | { readonly path: string; readonly kind: "symlink"; readonly target: string };

function text(s: string): () => Buffer {
  return () => Buffer.from(s, "utf8");
}

/** Numbered lines of known width, so a reader can tell exactly which bytes of which page it got. */
function numberedLines(count: number): string {
  const lines: string[] = [];
  for (let n = 1; n <= count; n++) {
    lines.push(`line ${String(n).padStart(6, "0")}: the quick brown fox jumps over the lazy dog`);
  }
  return `${lines.join("\n")}\n`;
}

export const SAMPLE_ENTRIES: readonly SampleEntry[] = [
  {
    path: "README.txt",
    kind: "file",
    content: text(
      "This directory is exported by dom0 and read by every guest through XenFS.\n" +
        "Guests in shared mode map the same page-cache frames; in copy mode each keeps its own.\n",
    ),
  },
  { path: "docs/guide.txt", kind: "file", content: text(numberedLines(2000)) },
  { path: "docs/latest.txt", kind: "symlink", target: "guide.txt" },
  { path: "docs/empty.txt", kind: "file", content: text("") },
  {
    path: "src/hello.c",
    kind: "file",
    content: text(
      '#include <stdio.h>\n\nint main(void) {\n  puts("hello from a XenFS guest");\n  return 0;\n}\n',
    ),
  },
  { path: "data/random-4MiB.bin", kind: "file", content: () => seededBytes(0x5eed0001, 4 * MiB) },
  { path: "data/random-2MiB.bin", kind: "file", content: () => seededBytes(0x5eed0002, 2 * MiB) },
];

/** Makes `root` hold the sample tree; returns how many entries had to be (re)written. */
export async function ensureSampleTree(root: string): Promise<number> {
  let written = 0;
  for (const entry of SAMPLE_ENTRIES) {
    const path = join(root, entry.path);
    await mkdir(dirname(path), { recursive: true });
    if (
      entry.kind === "file"
        ? await ensureFile(path, entry.content())
        : await ensureSymlink(path, entry.target)
    ) {
      written++;
    }
  }
  return written;
}

async function ensureFile(path: string, content: Buffer): Promise<boolean> {
  const existing = await readFile(path).catch(() => undefined);
  if (existing?.equals(content)) return false;
  await rm(path, { recursive: true, force: true });
  await writeFile(path, content);
  return true;
}

async function ensureSymlink(path: string, target: string): Promise<boolean> {
  const existing = await readlink(path).catch(() => undefined);
  if (existing === target) return false;
  await rm(path, { recursive: true, force: true });
  await symlink(target, path);
  return true;
}
