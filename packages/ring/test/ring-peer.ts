// Builds and runs test/c/ring_peer.c, the peer made from Xen's own io/ring.h.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BufferPage } from "../src/index.js";

export const RING_H = "/usr/include/xen/io/ring.h";
const SOURCE = fileURLToPath(new URL("./c/ring_peer.c", import.meta.url));

/** Why the cross-check cannot run here, or undefined when it can. */
export function missingToolchain(): string | undefined {
  if (spawnSync("cc", ["--version"]).error) return "no C compiler `cc` on PATH";
  if (!existsSync(RING_H)) return `no ${RING_H} (apt-get install libxen-dev)`;
  return undefined;
}

export class RingPeer {
  readonly #dir = mkdtempSync(join(tmpdir(), "ring-peer-"));
  readonly #bin = join(this.#dir, "ring_peer");
  readonly #pageFile = join(this.#dir, "page");

  constructor() {
    execFileSync("cc", ["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-o", this.#bin, SOURCE], {
      stdio: "pipe",
    });
  }

  /**
   * Hands `page` (one page, or the contiguous bytes of a multi-page ring) to the C peer for one
   * turn and takes it back; returns the lines it printed.
   */
  turn(page: BufferPage, args: readonly (string | number)[]): string[] {
    writeFileSync(this.#pageFile, page.bytes);
    const [mode, ...rest] = args;
    const out = execFileSync(this.#bin, [String(mode), this.#pageFile, ...rest.map(String)], {
      encoding: "utf8",
      env: { ...process.env, RING_PAGES: String(page.bytes.byteLength / 4096) },
    });
    page.bytes.set(readFileSync(this.#pageFile));
    return out.trim().split("\n");
  }

  dispose(): void {
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
