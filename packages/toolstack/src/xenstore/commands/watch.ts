import { ToolError } from "../../errors.js";
import { attempt, type XsCommand } from "../command.js";
import { XsWireError } from "../wire-error.js";

/**
 * xenstore-watch [-n NR] key…: watches each key (the key is its token) and prints the path of
 * every event, the first fire of each watch included, until NR events (forever by default).
 */
export const watch: XsCommand = async ({ xs, args, out }) => {
  for (const path of args.operands) {
    if ((await attempt(xs.watch(path, path))) instanceof XsWireError) {
      throw new ToolError("EINVAL", `Unable to add watch on ${path}\n`);
    }
  }
  for (let count = 0; args.watches === -1 || count < args.watches; count++) {
    const event = await attempt(xs.readWatch());
    // libxenstore would spin on a dead connection; stopping says why.
    if (event instanceof XsWireError) throw new ToolError(event.code, `xs_read_watch: ${event.message}`);
    out(`${event.path}\n`);
  }
  return 0;
};
