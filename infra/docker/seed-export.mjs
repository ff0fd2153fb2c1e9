// One-shot before dom0 starts: a new, empty export volume gets the launcher's deterministic
// sample tree. A volume that already holds files is left alone, so a later `up` never undoes
// what guests wrote.
import { readdir } from "node:fs/promises";
import { ensureSampleTree } from "@xenfs/launcher";

const root = process.env.XENFS_EXPORT ?? "/export";
if ((await readdir(root)).length > 0) {
  console.log(`export-seed: ${root} already has files; left as it is`);
} else {
  console.log(`export-seed: ${await ensureSampleTree(root)} sample entries written to ${root}`);
}
