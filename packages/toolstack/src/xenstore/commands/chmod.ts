import { XenError, type XsPerm } from "@xenfs/libxen";
import { ToolError } from "../../errors.js";
import { attempt, type XsCommand, type XsCommandContext } from "../command.js";
import { strerror } from "../strerror.js";

/**
 * xenstore-chmod [-u] [-r] key mode…: sets the permission list (`n0 r5 w6 b7`; the first entry
 * is the owner and everyone else's default). -u also sets every parent, -r every descendant.
 */
export const chmod: XsCommand = async (ctx) => {
  const [path = "", ...modes] = ctx.args.operands;
  await apply(ctx, path, modes.map(permission), ctx.args.upto, ctx.args.recurse);
  return 0;
};

/** Xen reads `<letter><strtol(rest)>` and sends it back as `%c%i`. */
function permission(text: string): XsPerm {
  const letter = text[0] ?? "";
  if (letter === "" || !"nrwb".includes(letter)) {
    throw new ToolError("EINVAL", `Invalid permission specification: '${letter}'`);
  }
  const id = /^\s*[+-]?\d+/.exec(text.slice(1))?.[0] ?? "0";
  return `${letter}${Number.parseInt(id, 10) | 0}` as XsPerm;
}

async function apply(
  ctx: XsCommandContext,
  path: string,
  perms: XsPerm[],
  upto: boolean,
  recurse: boolean,
): Promise<void> {
  if (path === "") return;
  const set = await attempt(ctx.xs.setPerms(path, perms, ctx.tx));
  if (set instanceof XenError) {
    throw new ToolError(set.code, `Error occurred setting permissions on '${path}': ${strerror(set.code)}`);
  }
  if (upto) {
    const sep = path.lastIndexOf("/");
    if (sep < 0) throw new ToolError("EINVAL", `Unable to locate path separator '/' in '${path}'`);
    await apply(ctx, path.slice(0, sep), perms, true, false);
  }
  if (recurse) {
    const children = await attempt(ctx.xs.directory(path, ctx.tx));
    if (children instanceof XenError) {
      throw new ToolError(
        children.code,
        `Unable to retrieve child entries of '${path}': ${strerror(children.code)}`,
      );
    }
    for (const child of children) await apply(ctx, `${path}/${child}`, perms, false, true);
  }
}
