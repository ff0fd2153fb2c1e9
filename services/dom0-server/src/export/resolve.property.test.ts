import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ExportError } from "./errors.js";
import { isInside, resolveEntry, resolveInExport } from "./resolve.js";

const LINKS = ["l0", "l1", "l2"];
const COMPONENTS = ["a", "b", "file", "outside", "..", ".", "", "n".repeat(256), ...LINKS];

/** Where a random symlink points: a relative walk, or an absolute spot in or around the export. */
const target = fc.oneof(
  fc
    .array(fc.constantFrom("..", ".", "a", "b", "outside", ...LINKS), { minLength: 1, maxLength: 5 })
    .map((parts) => parts.join("/")),
  fc.constantFrom("@root", "@root/a", "@base", "@base/outside", "/"),
);
const link = fc.record({ dir: fc.constantFrom("", "a", "a/b"), name: fc.constantFrom(...LINKS), target });
const guestPath = fc.tuple(
  fc.boolean(),
  fc.array(fc.constantFrom(...COMPONENTS), { maxLength: 8 }).map((parts) => parts.join("/")),
);

async function tree(links: readonly { dir: string; name: string; target: string }[]) {
  const base = await realpath(await mkdtemp(join(tmpdir(), "xenfs-prop-")));
  const root = join(base, "export");
  await mkdir(join(root, "a", "b"), { recursive: true });
  await mkdir(join(base, "outside"));
  await writeFile(join(base, "outside", "file"), "host");
  await writeFile(join(root, "file"), "export");
  for (const { dir, name, target } of links) {
    const text = target.replace("@root", root).replace("@base", base);
    // The same name twice in one directory: the first link stays.
    await symlink(text, join(root, dir, name)).catch(() => undefined);
  }
  return { base, root };
}

describe("resolution never leaves the export (property)", () => {
  it("holds for random paths through random symlinks, and agrees with the kernel when it succeeds", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(link, { maxLength: 4 }), guestPath, async (links, [absolute, relative]) => {
        const path = absolute ? `/${relative}` : relative;
        const { base, root } = await tree(links);
        try {
          const followed = await resolveInExport(root, path).then(
            (hostPath) => hostPath,
            (err: unknown) => err,
          );
          if (typeof followed === "string") {
            expect(isInside(root, followed)).toBe(true);
            expect(await realpath(join(root, relative))).toBe(followed);
          } else {
            expect(followed).toBeInstanceOf(ExportError);
            const { code } = followed as ExportError;
            expect(["EXDEV", "EACCES", "ENOENT", "ENOTDIR", "ELOOP", "ENAMETOOLONG"]).toContain(code);
            const lexicallyBad = path.startsWith("/") || path.split("/").includes("..");
            // Refused on sight, before the disk; an overlong name may be the first thing seen.
            if (lexicallyBad) expect(["EACCES", "ENAMETOOLONG"]).toContain(code);
            else expect(code).not.toBe("EACCES");
          }
          const entry = await resolveEntry(root, path).catch(() => null);
          if (entry !== null) expect(isInside(root, entry.parent ?? entry.hostPath)).toBe(true);
        } finally {
          await rm(base, { recursive: true, force: true });
        }
      }),
      { numRuns: 200 },
    );
  });
});
