import { XenError } from "@xenfs/libxen";
import { attempt, type XsCommand, type XsCommandContext } from "../command.js";

/**
 * xenstore-rm [-t] key…: removes each subtree. With -t (tidy) also each parent left empty and
 * without a value, up towards the root.
 */
export const rm: XsCommand = async (ctx) => {
  for (const path of ctx.args.operands) {
    let target: string | undefined = path;
    while (target !== undefined) {
      if ((await attempt(ctx.xs.rm(target, ctx.tx))) instanceof XenError) {
        ctx.warn(`could not remove path ${target}`);
        return 1;
      }
      target = ctx.args.tidy ? await emptyParent(ctx, target) : undefined;
    }
  }
  return 0;
};

async function emptyParent({ xs, tx }: XsCommandContext, path: string): Promise<string | undefined> {
  const slash = path.lastIndexOf("/");
  if (slash < 0) return undefined;
  const parent = path.slice(0, slash);
  const value = await attempt(xs.readBytes(parent, tx));
  if (value instanceof XenError || value.length > 0) return undefined;
  const children = await attempt(xs.directory(parent, tx));
  return children instanceof XenError || children.length > 0 ? undefined : parent;
}
