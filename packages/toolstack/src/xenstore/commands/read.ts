import { XenError } from "@xenfs/libxen";
import { attempt, type XsCommand } from "../command.js";
import { sanitise } from "../sanitise.js";

/** xenstore-read [-p] [-R] key…: each value on a line (sanitised), or raw bytes with -R. */
export const read: XsCommand = async ({ xs, tx, args, out, warn }) => {
  for (const path of args.operands) {
    const value = await attempt(xs.readBytes(path, tx));
    if (value instanceof XenError) {
      warn(`couldn't read path ${path}`);
      return 1;
    }
    if (args.prefix) out(`${path}: `);
    out(args.raw ? value : `${sanitise(value)}\n`);
  }
  return 0;
};
