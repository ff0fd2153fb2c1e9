import { mkdir, mkdtemp, open, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isInside, MAX_SYMLINKS, resolveEntry, resolveInExport } from "./resolve.js";
import { assertOpenedInside } from "./verify-fd.js";

let base: string;
let root: string;

beforeEach(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), "xenfs-resolve-")));
  root = join(base, "export");
  await mkdir(join(base, "outside", "dir"), { recursive: true });
  await writeFile(join(base, "outside", "secret"), "host secret");
  await mkdir(join(root, "sub", "deep"), { recursive: true });
  await writeFile(join(root, "file"), "inside");
  await writeFile(join(root, "sub", "deep", "f"), "deep");
  await symlink("sub", join(root, "in-link"));
  await symlink(join(root, "sub"), join(root, "abs-in"));
  await symlink(join(base, "outside"), join(root, "out-abs"));
  await symlink("../outside", join(root, "out-rel"));
  await symlink("../../outside/secret", join(root, "sub", "out-rel2"));
  await symlink("../outside/none", join(root, "out-missing"));
  // Each link passes a lexical check from where it sits, yet `esc` resolves to the export's parent.
  await symlink("../..", join(root, "sub", "deep", "up"));
  await symlink("up/..", join(root, "sub", "deep", "esc"));
  await symlink("loop-b", join(root, "loop-a"));
  await symlink("loop-a", join(root, "loop-b"));
  await symlink("nothing-here", join(root, "dangling"));
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => "resolved",
    (err: { code: string }) => err.code,
  );
}

describe("resolveInExport", () => {
  it("resolves the root, plain paths, and symlinks that stay inside", async () => {
    expect(await resolveInExport(root, "")).toBe(root);
    expect(await resolveInExport(root, ".")).toBe(root);
    expect(await resolveInExport(root, "sub//deep/./f")).toBe(join(root, "sub", "deep", "f"));
    expect(await resolveInExport(root, "in-link/deep/f")).toBe(join(root, "sub", "deep", "f"));
    expect(await resolveInExport(root, "abs-in/deep")).toBe(join(root, "sub", "deep"));
    expect(await resolveInExport(root, "sub/deep/up/file")).toBe(join(root, "file"));
  });

  it("refuses every symlink that leads out with EXDEV, whether or not its target exists", async () => {
    for (const path of [
      "out-abs",
      "out-abs/secret",
      "out-abs/nonexistent",
      "out-rel",
      "out-rel/dir",
      "sub/out-rel2",
      "out-missing",
      "sub/deep/esc",
      "sub/deep/esc/outside/secret",
      "in-link/deep/esc",
    ]) {
      await expect(resolveInExport(root, path, "open"), path).rejects.toMatchObject({
        code: "EXDEV",
        path,
        syscall: "open",
      });
    }
  });

  it("refuses bad paths before touching the disk: the root need not even exist", async () => {
    const nowhere = join(base, "no-such-root");
    expect(await codeOf(resolveInExport(nowhere, "../x"))).toBe("EACCES");
    expect(await codeOf(resolveInExport(nowhere, "/etc"))).toBe("EACCES");
    expect(await codeOf(resolveInExport(nowhere, "a\0"))).toBe("EINVAL");
    expect(await codeOf(resolveInExport(nowhere, "x".repeat(256)))).toBe("ENAMETOOLONG");
    expect(await codeOf(resolveInExport(nowhere, "x"))).toBe("ENOENT");
  });

  it("reports ENOENT, ENOTDIR and ELOOP as Linux would, naming the guest path", async () => {
    await expect(resolveInExport(root, "missing/x", "stat")).rejects.toMatchObject({
      code: "ENOENT",
      path: "missing/x",
      syscall: "stat",
    });
    expect(await codeOf(resolveInExport(root, "dangling"))).toBe("ENOENT");
    expect(await codeOf(resolveInExport(root, "file/x"))).toBe("ENOTDIR");
    // A trailing slash (or "/.") names a directory, found by the property test: seed -921867223.
    expect(await codeOf(resolveInExport(root, "file/"))).toBe("ENOTDIR");
    expect(await codeOf(resolveInExport(root, "file/."))).toBe("ENOTDIR");
    expect(await codeOf(resolveInExport(root, "loop-a"))).toBe("ELOOP");
  });

  it("follows at most MAX_SYMLINKS links", async () => {
    for (let i = 0; i < MAX_SYMLINKS + 1; i += 1)
      await symlink(i === 0 ? "file" : `chain${i - 1}`, join(root, `chain${i}`));
    expect(await resolveInExport(root, `chain${MAX_SYMLINKS - 1}`)).toBe(join(root, "file"));
    expect(await codeOf(resolveInExport(root, `chain${MAX_SYMLINKS}`))).toBe("ELOOP");
  });

  it("takes an absolute target inside the export only through its own spelling of the root", async () => {
    await symlink(`${root}/../export/file`, join(root, "abs-climb"));
    expect(await codeOf(resolveInExport(root, "abs-climb"))).toBe("EXDEV");
    await symlink(`${root}-sibling`, join(root, "abs-prefix"));
    expect(await codeOf(resolveInExport(root, "abs-prefix"))).toBe("EXDEV");
  });
});

describe("resolveEntry", () => {
  it("resolves the directory but not the entry's own name", async () => {
    expect(await resolveEntry(root, "out-abs")).toEqual({
      hostPath: join(root, "out-abs"),
      parent: root,
      parentComponents: [],
      name: "out-abs",
    });
    expect(await resolveEntry(root, "in-link/new")).toEqual({
      hostPath: join(root, "sub", "new"),
      parent: join(root, "sub"),
      parentComponents: ["sub"],
      name: "new",
    });
    expect(await resolveEntry(root, "")).toMatchObject({ hostPath: root, parent: null, name: "" });
  });

  it("refuses a directory that leads out, so nothing can be created through it", async () => {
    expect(await codeOf(resolveEntry(root, "out-abs/new"))).toBe("EXDEV");
    expect(await codeOf(resolveEntry(root, "sub/deep/esc/new"))).toBe("EXDEV");
    expect(await codeOf(resolveEntry(root, "file/new"))).toBe("ENOTDIR");
    expect(await codeOf(resolveEntry(root, "missing/new"))).toBe("ENOENT");
  });
});

describe("isInside", () => {
  it("compares whole components", () => {
    expect(isInside("/srv/export", "/srv/export")).toBe(true);
    expect(isInside("/srv/export", "/srv/export/a")).toBe(true);
    expect(isInside("/srv/export", "/srv/exported")).toBe(false);
    expect(isInside("/srv/export", "/srv")).toBe(false);
    expect(isInside("/", "/anything")).toBe(true);
  });
});

describe("assertOpenedInside", () => {
  it("accepts a descriptor inside the export and refuses one outside with EXDEV", async () => {
    const inside = await open(join(root, "file"), "r");
    const outside = await open(join(base, "outside", "secret"), "r");
    try {
      await assertOpenedInside(root, inside, "file", "open");
      await expect(assertOpenedInside(root, outside, "file", "open")).rejects.toMatchObject({
        code: "EXDEV",
        path: "file",
      });
    } finally {
      await inside.close();
      await outside.close();
    }
  });
});
