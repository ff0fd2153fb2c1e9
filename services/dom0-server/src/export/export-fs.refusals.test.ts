import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  realpath,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExportError } from "./errors.js";
import { ExportFs } from "./export-fs.js";

const DOM = 9;
let base: string;
let root: string;
let fs: ExportFs;

/** Everything under `dir`, with what a refused call might have changed: type, mode, size, content, link. */
async function snapshot(dir: string): Promise<string[]> {
  const lines: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const path = join(dir, name);
    const st = await lstat(path);
    const extra = st.isSymbolicLink()
      ? `-> ${await readlink(path)}`
      : st.isFile()
        ? await readFile(path, "base64")
        : (await snapshot(path)).join("\n");
    lines.push(`${path} ${st.mode.toString(8)} ${st.size} ${st.mtimeMs} ${extra}`);
  }
  return lines;
}

beforeAll(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), "xenfs-refusals-")));
  root = join(base, "export");
  await mkdir(join(base, "outside", "dir"), { recursive: true });
  await writeFile(join(base, "outside", "secret"), "host secret");
  await mkdir(join(root, "sub", "deep"), { recursive: true });
  await writeFile(join(root, "file"), "inside");
  await symlink(join(base, "outside"), join(root, "out-abs"));
  await symlink("../outside", join(root, "out-rel"));
  await symlink("../outside/secret", join(root, "out-file"));
  await symlink("../../outside/secret", join(root, "sub", "out-file-rel"));
  await symlink("../..", join(root, "sub", "deep", "up"));
  await symlink("up/..", join(root, "sub", "deep", "esc"));
  fs = new ExportFs(root);
});

afterAll(async () => {
  await fs.closeGuest(DOM);
  await rm(base, { recursive: true, force: true });
});

/** Paths that name something outside the export, and the code each must get. */
const ESCAPES: readonly [string, string][] = [
  ["..", "EACCES"],
  ["../outside/secret", "EACCES"],
  ["a/../../x", "EACCES"],
  ["sub/../file", "EACCES"],
  ["/etc/passwd", "EACCES"],
  ["//outside", "EACCES"],
  ["out-abs/secret", "EXDEV"],
  ["out-abs/dir/new", "EXDEV"],
  ["out-rel/secret", "EXDEV"],
  ["out-rel/dir/new", "EXDEV"],
  ["sub/deep/esc/outside/secret", "EXDEV"],
  ["sub/deep/esc/outside/dir/new", "EXDEV"],
  ["file\0", "EINVAL"],
  ["n".repeat(256), "ENAMETOOLONG"],
  [`${"d/".repeat(2048)}d`, "ENAMETOOLONG"],
];

/** Operations that follow the final symlink: a link out as the last component is refused too. */
const FINAL_LINKS = ["out-abs", "out-rel", "out-file", "sub/out-file-rel", "sub/deep/esc"];

type Op = [name: string, run: (path: string) => Promise<unknown>];

const OPS: readonly Op[] = [
  ["stat", (p) => fs.stat(p)],
  ["lstat", (p) => fs.lstat(p)],
  ["readdir", (p) => fs.readdir(p)],
  ["readlink", (p) => fs.readlink(p)],
  ["mkdir", (p) => fs.mkdir(p, 0o755)],
  ["rmdir", (p) => fs.rmdir(p)],
  ["unlink", (p) => fs.unlink(p)],
  ["chmod", (p) => fs.chmod(p, 0o777)],
  ["truncate", (p) => fs.truncate(p, 0)],
  ["create", (p) => fs.create(p, 0o644, { exclusive: false })],
  ["create exclusive", (p) => fs.create(p, 0o644, { exclusive: true })],
  ["open r", (p) => fs.open(DOM, p, "r")],
  ["open w", (p) => fs.open(DOM, p, "w")],
  ["open a+", (p) => fs.open(DOM, p, "a+")],
  ["symlink at", (p) => fs.symlink("file", p)],
  ["rename from", (p) => fs.rename(p, "moved")],
  ["rename to", (p) => fs.rename("file", p)],
];

async function refusal(run: () => Promise<unknown>): Promise<ExportError> {
  const outcome = await run().then(
    () => null,
    (err: unknown) => err,
  );
  expect(outcome).toBeInstanceOf(ExportError);
  return outcome as ExportError;
}

describe("every way out of the export is refused, and changes nothing on disk", () => {
  it.each(OPS)("%s", async (_name, run) => {
    const before = await snapshot(base);
    for (const [path, code] of ESCAPES) {
      const err = await refusal(() => run(path));
      expect({ path, code: err.code }).toEqual({ path, code });
      expect(err.errno).toBeLessThan(0);
      expect(err.reason.length).toBeGreaterThan(0);
    }
    expect(await snapshot(base)).toEqual(before);
    expect(fs.openFileCount(DOM)).toBe(0);
  });

  it.each(
    OPS.filter(([name]) =>
      ["stat", "readdir", "chmod", "truncate", "open r", "open w", "open a+"].includes(name),
    ),
  )("%s does not follow a final symlink out", async (_name, run) => {
    const before = await snapshot(base);
    for (const path of FINAL_LINKS) expect((await refusal(() => run(path))).code).toBe("EXDEV");
    expect(await snapshot(base)).toEqual(before);
  });

  it("a symlink whose target would lead out is not created", async () => {
    const before = await snapshot(base);
    for (const [target, path] of [
      ["/etc/passwd", "abs"],
      [base, "abs-base"],
      ["../outside", "climb"],
      ["../../outside", "sub/climb"],
      ["deep/../../../x", "sub/climb-back"],
    ]) {
      expect((await refusal(() => fs.symlink(target as string, path as string))).code).toBe("EXDEV");
    }
    expect(await snapshot(base)).toEqual(before);
  });

  it("a link out is still there to lstat, readlink and unlink, which never touch its target", async () => {
    expect((await fs.lstat("out-abs")).type).toBe("symlink");
    expect(await fs.readlink("out-rel")).toBe("../outside");
    await fs.unlink("out-file");
    expect(await readFile(join(base, "outside", "secret"), "utf8")).toBe("host secret");
    await symlink("../outside/secret", join(root, "out-file"));
  });
});
