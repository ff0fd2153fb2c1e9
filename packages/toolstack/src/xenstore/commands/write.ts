import { XenError } from "@xenfs/libxen";
import { attempt, type XsCommand } from "../command.js";
import { unsanitise } from "../sanitise.js";

/** xenstore-write [-R] key value…: values are unsanitised (`\x00`, `\n`…) unless -R. */
export const write: XsCommand = async ({ xs, tx, args, warn }) => {
  const { operands } = args;
  for (let i = 0; i + 1 < operands.length; i += 2) {
    const path = operands[i] as string;
    const text = operands[i + 1] as string;
    const value = args.raw ? new TextEncoder().encode(text) : unsanitise(text);
    if ((await attempt(xs.write(path, value, tx))) instanceof XenError) {
      warn(`could not write path ${path}`);
      return 1;
    }
  }
  return 0;
};
