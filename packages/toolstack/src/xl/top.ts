// `xl top`: a live view of the host, like xentop — a screen redrawn every delay seconds until `q`
// (or the given number of iterations). In batch mode (-b), as xentop -b, screens are printed one
// after another with no terminal control, for scripts.
import type { Command } from "commander";
import { ToolError } from "../errors.js";
import type { Io } from "../io.js";
import type { HypervisorApi } from "./api.js";
import { type TopSample, topLines } from "./top-screen.js";

const CLEAR = "\x1b[H\x1b[2J";
const HIDE_CURSOR = "\x1b[?25l";
const SHOW_CURSOR = "\x1b[?25h";

interface TopOptions {
  delay: string;
  iterations?: string;
  batch?: true;
}

async function sample(hv: HypervisorApi): Promise<TopSample> {
  const [domains, memory, stats] = await Promise.all([hv.domains(), hv.memory(), hv.stats()]);
  return { at: performance.now(), domains, memory, stats };
}

function positive(text: string, what: string, integer: boolean): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
    throw new ToolError(
      "EINVAL",
      `xl top: ${what} must be a ${integer ? "whole " : ""}number > 0, got ${text}`,
    );
  return n;
}

/** Resolves on `q` typed at the terminal (raw mode while running), or never without one. */
function quitKey(io: Io): { pressed: Promise<void>; release(): void } {
  const input = io.input;
  if (!input?.isTTY) return { pressed: new Promise<void>(() => undefined), release: () => undefined };
  let onData: (data: Buffer) => void = () => undefined;
  const pressed = new Promise<void>((resolve) => {
    onData = (data) => {
      const text = data.toString();
      if (text.includes("q") || text.includes("Q") || text.includes("\x03")) resolve();
    };
  });
  input.setRawMode(true);
  input.on("data", onData);
  input.resume();
  return {
    pressed,
    release() {
      input.off("data", onData);
      input.setRawMode(false);
      input.pause();
    },
  };
}

export function addTop(xl: Command, api: () => HypervisorApi, io: Io): void {
  xl.command("top")
    .description(
      "a live view of the domains (like xentop): frames, grants, CPU, hypercall and event rates; q quits",
    )
    .option("-d, --delay <seconds>", "seconds between updates", "1")
    .option("-i, --iterations <n>", "stop after this many updates")
    .option("-b, --batch", "print screens one after another, without terminal control")
    .action(async (options: TopOptions) => {
      const delayMs = positive(options.delay, "delay", false) * 1000;
      const iterations =
        options.iterations === undefined ? Infinity : positive(options.iterations, "iterations", true);
      const hv = api();
      const quit = options.batch ? undefined : quitKey(io);
      let stopped = false;
      void quit?.pressed.then(() => {
        stopped = true;
      });
      if (!options.batch) io.out(HIDE_CURSOR);
      try {
        let before: TopSample | undefined;
        for (let i = 0; i < iterations && !stopped; i++) {
          const now = await sample(hv);
          const lines = topLines(now, before, new Date());
          io.out(options.batch ? `${lines.join("\n")}\n\n` : `${CLEAR}${lines.join("\n")}\n`);
          before = now;
          if (i + 1 >= iterations) break;
          let timer: NodeJS.Timeout | undefined;
          const delay = new Promise<void>((resolve) => {
            timer = setTimeout(resolve, delayMs);
          });
          await (quit ? Promise.race([delay, quit.pressed]) : delay);
          clearTimeout(timer);
        }
      } finally {
        quit?.release();
        if (!options.batch) io.out(SHOW_CURSOR);
      }
    });
}
