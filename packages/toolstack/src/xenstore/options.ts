// Each xenstore-* tool's options, as xenstore_client.c accepts them: one option string for
// all modes, and an option that does not belong to the mode prints the mode's usage.
import { ToolError } from "../errors.js";
import { getopt, type LongOption } from "./getopt.js";

export const XS_MODES = ["read", "write", "rm", "list", "ls", "chmod", "watch"] as const;
export type XsMode = (typeof XS_MODES)[number];

export interface XsArgs {
  readonly operands: readonly string[];
  /** -p: read/list prefix the path; ls shows permissions. */
  readonly prefix: boolean;
  readonly flat: boolean;
  readonly tidy: boolean;
  readonly upto: boolean;
  readonly recurse: boolean;
  readonly raw: boolean;
  /** -n NR for watch; -1 is forever. */
  readonly watches: number;
}

const USAGE: Readonly<Record<XsMode, string>> = {
  read: "[-h] [-p] [-s] [-R] key [...]",
  write: "[-h] [-s] [-R] key value [...]",
  rm: "[-h] [-s] [-t] key [...]",
  list: "[-h] [-p] [-s] key [...]",
  ls: "[-h] [-f] [-p] [-s] [path]",
  chmod: "[-h] [-u] [-r] [-s] key <mode [modes...]>",
  watch: "[-h] [-n NR] key",
};

const SHORTS = "hfspturn:R";
const LONGS: readonly LongOption[] = [
  { name: "help", short: "h", hasArg: false },
  { name: "flat", short: "f", hasArg: false },
  { name: "socket", short: "s", hasArg: false },
  { name: "prefix", short: "p", hasArg: false },
  { name: "tidy", short: "t", hasArg: false },
  { name: "upto", short: "u", hasArg: false },
  { name: "recurse", short: "r", hasArg: false },
  { name: "number", short: "n", hasArg: true },
  { name: "raw", short: "R", hasArg: false },
];

/** Which modes take each option; -s (socket only) is taken by all and changes nothing here. */
const ALLOWED: Readonly<Record<string, readonly XsMode[]>> = {
  f: ["ls"],
  p: ["read", "list", "ls"],
  t: ["rm"],
  u: ["chmod"],
  r: ["chmod"],
  n: ["watch"],
  R: ["read", "write"],
};

/** `prog` is how the tool names itself; `xenstore <mode>` shows the mode in its usage. */
export function usageError(prog: string, mode: XsMode): ToolError {
  const shown = prog === "xenstore" ? `${prog} ${mode}` : prog;
  return new ToolError("EINVAL", `Usage: ${shown} ${USAGE[mode]}`);
}

/** C's atoi(): leading digits after optional blanks and sign, else 0. */
function atoi(text: string): number {
  const m = /^\s*([+-]?\d+)/.exec(text);
  return m ? Number.parseInt(m[1] as string, 10) : 0;
}

export function parseXsArgs(
  mode: XsMode,
  args: readonly string[],
  prog: string,
  warn: (m: string) => void,
): XsArgs {
  const { events, operands } = getopt(args, SHORTS, LONGS);
  const set = new Set<string>();
  let watches = -1;
  for (const event of events) {
    if ("problem" in event) {
      warn(event.problem);
      continue;
    }
    const allowed = ALLOWED[event.opt];
    if (event.opt === "h" || (allowed && !allowed.includes(mode))) throw usageError(prog, mode);
    if (event.opt === "n") watches = atoi(event.arg ?? "");
    set.add(event.opt);
  }
  const missing = mode !== "ls" && operands.length === 0;
  if (missing || (mode === "write" && operands.length % 2 === 1)) throw usageError(prog, mode);
  return {
    operands: mode === "ls" && operands.length === 0 ? ["/"] : operands,
    prefix: set.has("p"),
    flat: set.has("f"),
    tidy: set.has("t"),
    upto: set.has("u"),
    recurse: set.has("r"),
    raw: set.has("R"),
    watches,
  };
}
