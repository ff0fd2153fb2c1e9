// GNU getopt_long as Xen's tools call it: options anywhere (operands are collected in order),
// "--" ends the options, bundled short options (-fp), -n3 or -n 3, long names or unambiguous
// prefixes of them (--pre). Problems are reported with GNU's wording and, as in Xen's tools,
// do not stop the parse.
export interface LongOption {
  readonly name: string;
  readonly short: string;
  readonly hasArg: boolean;
}

export type OptEvent = { readonly opt: string; readonly arg?: string } | { readonly problem: string };

export function getopt(
  args: readonly string[],
  shorts: string,
  longs: readonly LongOption[],
): { events: OptEvent[]; operands: string[] } {
  const events: OptEvent[] = [];
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "--") {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith("--")) {
      const [name = "", inline] = splitOnce(arg.slice(2), "=");
      const matches = longs.filter((l) => l.name.startsWith(name));
      const long = longs.find((l) => l.name === name) ?? (matches.length === 1 ? matches[0] : undefined);
      if (!long && matches.length > 1) {
        const possibilities = matches.map((l) => `'--${l.name}'`).join(" ");
        events.push({ problem: `option '--${name}' is ambiguous; possibilities: ${possibilities}` });
      } else if (!long) {
        events.push({ problem: `unrecognized option '--${name}'` });
      } else if (!long.hasArg && inline !== undefined) {
        events.push({ problem: `option '--${long.name}' doesn't allow an argument` });
      } else if (long.hasArg && inline === undefined && i + 1 >= args.length) {
        events.push({ problem: `option '--${long.name}' requires an argument` });
      } else {
        const value = long.hasArg ? (inline ?? (args[++i] as string)) : undefined;
        events.push(value === undefined ? { opt: long.short } : { opt: long.short, arg: value });
      }
      continue;
    }
    if (!arg.startsWith("-") || arg === "-") {
      operands.push(arg);
      continue;
    }
    for (let j = 1; j < arg.length; j++) {
      const c = arg[j] as string;
      const at = shorts.indexOf(c);
      if (at < 0 || c === ":") {
        events.push({ problem: `invalid option -- '${c}'` });
      } else if (shorts[at + 1] !== ":") {
        events.push({ opt: c });
      } else if (j + 1 < arg.length) {
        events.push({ opt: c, arg: arg.slice(j + 1) });
        break;
      } else if (i + 1 < args.length) {
        events.push({ opt: c, arg: args[++i] as string });
      } else {
        events.push({ problem: `option requires an argument -- '${c}'` });
      }
    }
  }
  return { events, operands };
}

function splitOnce(text: string, sep: string): [string, string?] {
  const at = text.indexOf(sep);
  return at < 0 ? [text] : [text.slice(0, at), text.slice(at + 1)];
}
