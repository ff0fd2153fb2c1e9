import { XenError } from "@xenfs/libxen";
import { attempt, type XsCommand } from "../command.js";

/** xenstore-list [-p] key…: the children of each key, one a line (-p: as full paths). */
export const list: XsCommand = async ({ xs, tx, args, out, warn }) => {
  for (const path of args.operands) {
    const children = await attempt(xs.directory(path, tx));
    if (children instanceof XenError) {
      warn(`could not list path ${path}`);
      return 1;
    }
    for (const child of children) out(`${args.prefix ? `${path}/` : ""}${child}\n`);
  }
  return 0;
};
