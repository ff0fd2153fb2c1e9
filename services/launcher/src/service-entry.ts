// How to run a service: its built dist/main.js when there is one (what `pnpm start` produces),
// else its TypeScript source through tsx, so the launcher also works in an unbuilt checkout.
// `sourceOnly` skips dist/ altogether: a test of the code as written must not run a stale build.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Role, SERVICE_FOLDERS } from "./plan.js";

/** The monorepo root: this file is services/launcher/{src,dist}/service-entry.{ts,js}. */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export interface ServiceEntry {
  /** The service's folder; the child runs there so `--import tsx` resolves from the workspace. */
  readonly cwd: string;
  /** Arguments to `node`. */
  readonly args: readonly string[];
}

export function serviceDir(role: Role, root: string = REPO_ROOT): string {
  return join(root, "services", SERVICE_FOLDERS[role]);
}

/** Runs src/main.ts through tsx, resolving workspace packages to their sources too. */
export function sourceEntry(role: Role, root: string = REPO_ROOT): ServiceEntry {
  return {
    cwd: serviceDir(role, root),
    args: ["--conditions=@xenfs/source", "--import", "tsx", "src/main.ts"],
  };
}

/** undefined when the service is not in this tree (neither built nor written yet). */
export function findServiceEntry(
  role: Role,
  root: string = REPO_ROOT,
  sourceOnly = false,
): ServiceEntry | undefined {
  const cwd = serviceDir(role, root);
  if (!sourceOnly && existsSync(join(cwd, "dist", "main.js"))) return { cwd, args: ["dist/main.js"] };
  if (existsSync(join(cwd, "src", "main.ts"))) return sourceEntry(role, root);
  return undefined;
}
