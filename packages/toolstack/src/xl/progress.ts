// A progress bar for xl save and xl migrate on a terminal (Io.columns is set only when stdout is
// one): one line redrawn in place, at most ten times a second. Elsewhere (a pipe, a log, a test)
// nothing is drawn and the commands print their plain lines only.
import type { Io } from "../io.js";

const REDRAW_MS = 100;
const BAR_WIDTH = 30;

export class ProgressBar {
  #last = 0;
  #drawn = false;

  constructor(private readonly io: Io) {}

  /** `fraction` of the bar filled (undefined: no bar, the text alone), then `text`. */
  update(fraction: number | undefined, text: string, force = false): void {
    const width = this.io.columns;
    if (width === undefined) return;
    const now = performance.now();
    // The last state (full) is always drawn; others at most every REDRAW_MS.
    if (!force && (fraction ?? 0) < 1 && now - this.#last < REDRAW_MS) return;
    this.#last = now;
    const bar =
      fraction === undefined
        ? ""
        : `[${"#".repeat(Math.round(Math.min(1, Math.max(0, fraction)) * BAR_WIDTH)).padEnd(BAR_WIDTH, "-")}] ${String(Math.floor(Math.min(1, fraction) * 100)).padStart(3)}% `;
    const line = `${bar}${text}`.slice(0, Math.max(10, width - 1));
    this.io.out(`\r${line}\x1b[K`);
    this.#drawn = true;
  }

  /** Clears the line, so the plain lines that follow start at its left. */
  done(): void {
    if (this.#drawn) this.io.out("\r\x1b[K");
    this.#drawn = false;
  }
}

export const mib = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
