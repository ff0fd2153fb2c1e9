import { XBT_NULL, XenError } from "@xenfs/libxen";
import { ToolError } from "../../errors.js";
import { attempt, type XsCommand, type XsCommandContext } from "../command.js";
import { sanitise } from "../sanitise.js";
import { strerror } from "../strerror.js";

// xenstore-ls's layout (xenstore_client.c): lines fit 80 columns, or the terminal's less 2;
// a value that does not fit is cut and ends `\...`; -p pads with ". " to column 60 before the
// permissions; -f prints whole paths, never cut or padded.
const TAG_LEN = ' = "..."'.length;
const FLAT_WIDTH = 0x3fff_ffff; // INT_MAX / 2

interface Layout {
  readonly maxWidth: number;
  readonly desiredWidth: number;
  readonly flat: boolean;
  readonly perms: boolean;
}

/** printf's `%.*s`: a negative precision prints everything. */
const cut = (text: string, precision: number) => (precision < 0 ? text : text.slice(0, precision));

/** xenstore-ls [-f] [-p] [path…]: the tree below each path (default `/`), outside transactions. */
export const ls: XsCommand = async (ctx) => {
  const { flat, prefix } = ctx.args;
  const layout: Layout = {
    maxWidth: flat ? FLAT_WIDTH : ctx.columns !== undefined ? ctx.columns - 2 : 80,
    desiredWidth: flat ? 0 : 60,
    flat,
    perms: prefix,
  };
  for (const path of ctx.args.operands) await walk(ctx, layout, path, 0, false);
  return 0;
};

async function walk(
  ctx: XsCommandContext,
  layout: Layout,
  path: string,
  depth: number,
  quiet: boolean,
): Promise<void> {
  const children = await attempt(ctx.xs.directory(path, XBT_NULL));
  if (children instanceof XenError) {
    const problem = `xs_directory (${path}): ${strerror(children.code)}`;
    if (depth === 0 || (children.code !== "ENOENT" && children.code !== "EACCES")) {
      throw new ToolError(children.code, problem);
    }
    // A node that went away (or out of reach) while walking: say so once, move on.
    if (!quiet) ctx.warn(problem);
    return;
  }
  for (const name of children) {
    const child = `${path}${path.endsWith("/") ? "" : "/"}${name}`;
    let line = layout.flat ? child : " ".repeat(depth) + cut(name, layout.maxWidth - TAG_LEN - depth);
    const value = await attempt(ctx.xs.readBytes(child, XBT_NULL));
    let failed = value instanceof XenError;
    if (value instanceof XenError) {
      line += `: (${strerror(value.code)})`;
    } else if (layout.maxWidth < line.length + value.length + TAG_LEN) {
      line += ` = "${cut(sanitise(value), layout.maxWidth - TAG_LEN - line.length)}\\..."`;
    } else {
      line += ` = "${sanitise(value)}"`;
      if (layout.perms) line = pad(`${line} `, Math.min(layout.desiredWidth, layout.maxWidth));
    }
    if (layout.perms) {
      const perms = await attempt(ctx.xs.getPerms(child, XBT_NULL));
      if (perms instanceof XenError) {
        if (!failed) ctx.warn(`could not access permissions for ${name}: ${strerror(perms.code)}`);
        failed = true;
      } else {
        line += `  (${perms.join(",")})`;
      }
    }
    ctx.out(`${line}\n`);
    await walk(ctx, layout, child, depth + 1, failed);
  }
}

/** ". " leaders: column c gets "." when c is odd, " " when even, up to `width`. */
function pad(line: string, width: number): string {
  let padded = line;
  for (let column = line.length; column < width; column++) padded += column & 1 ? "." : " ";
  return padded;
}
