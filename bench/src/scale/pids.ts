// Which processes carry an environment entry (Linux /proc): how the suite finds the hypervisor and
// the guests it started, to read their memory, without reaching into the helpers that spawn them.
import { readdir, readFile } from "node:fs/promises";

/** entry → pid, for each entry (like `XEN_DOMAIN_NAME=scale-8-3`) some live process carries. */
export async function pidsByEnv(entries: readonly string[]): Promise<Map<string, number>> {
  const wanted = new Set(entries);
  const found = new Map<string, number>();
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    // Gone meanwhile, or someone else's: either way not ours.
    const environ = await readFile(`/proc/${name}/environ`, "latin1").catch(() => "");
    for (const entry of environ.split("\0")) if (wanted.has(entry)) found.set(entry, Number(name));
  }
  return found;
}
