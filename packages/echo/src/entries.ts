// The device's two processes as `node` arguments, for whoever spawns them (tests, the benchmark).
// Run from the sources (tsx, vitest), the entry is the .ts file beside this one, started through
// tsx with the `@xenfs/source` condition; run from dist, it is the built .js, which node runs alone.
import { fileURLToPath } from "node:url";

/** `dom0`: the backend (`xen-echo-back`); `guest`: the frontend (`xen-echo-front`). */
export type EchoProcess = "dom0" | "guest";

export function echoProcessArgs(which: EchoProcess): string[] {
  const fromSource = import.meta.url.endsWith(".ts");
  const entry = fileURLToPath(new URL(`./${which}-main.${fromSource ? "ts" : "js"}`, import.meta.url));
  return fromSource ? ["--conditions=@xenfs/source", "--import", "tsx", entry] : [entry];
}
