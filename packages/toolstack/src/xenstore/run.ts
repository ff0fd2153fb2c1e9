// One xenstore-* invocation, as xenstore_client.c's main(): parse, connect to XENSTORED_PATH,
// run the command (inside a transaction when it makes several requests, restarted on EAGAIN),
// then print what it buffered. Answers the exit status.
import { XBT_NULL, XenError, XenStoreClient, XsSocketTransport } from "@xenfs/libxen";
import { ToolError } from "../errors.js";
import type { Io, ToolEnv } from "../io.js";
import type { XsCommand } from "./command.js";
import { chmod } from "./commands/chmod.js";
import { list } from "./commands/list.js";
import { ls } from "./commands/ls.js";
import { read } from "./commands/read.js";
import { rm } from "./commands/rm.js";
import { watch } from "./commands/watch.js";
import { write } from "./commands/write.js";
import { parseXsArgs, type XsArgs, type XsMode } from "./options.js";
import { strerror } from "./strerror.js";

const COMMANDS: Readonly<Record<XsMode, XsCommand>> = { read, write, rm, list, ls, chmod, watch };

/** libxenstore's xs_daemon_socket(). */
export function xenstoredPath(env: ToolEnv): string {
  return env.XENSTORED_PATH ?? `${env.XENSTORED_RUNDIR ?? "/var/run/xenstored"}/socket`;
}

/** Xen's tools use a transaction only when a command makes more than one request. */
function transactional(mode: XsMode, operands: number): boolean {
  if (mode === "read") return operands > 1;
  if (mode === "write") return operands > 2;
  return mode !== "ls" && mode !== "watch";
}

/** `prog` is "xenstore" for `xenstore <mode> …`, else "xenstore-<mode>". */
export async function runXenstore(
  mode: XsMode,
  argv: readonly string[],
  io: Io,
  prog = `xenstore-${mode}`,
): Promise<number> {
  const warn = (message: string) => io.err(`${prog}: ${message}\n`);
  let xs: XenStoreClient | undefined;
  try {
    const args = parseXsArgs(mode, argv, prog, warn);
    xs = new XenStoreClient(await open(xenstoredPath(io.env)));
    return await perform(xs, mode, args, io, warn);
  } catch (error) {
    if (!(error instanceof ToolError)) throw error;
    warn(error.message);
    return error.exitCode;
  } finally {
    xs?.close();
  }
}

async function open(path: string): Promise<XsSocketTransport> {
  try {
    return await XsSocketTransport.open(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "EIO";
    throw new ToolError(code, `xs_open: ${strerror(code)}`);
  }
}

async function perform(xs: XenStoreClient, mode: XsMode, args: XsArgs, io: Io, warn: (m: string) => void) {
  const inTransaction = transactional(mode, args.operands.length);
  for (;;) {
    const buffered: (string | Uint8Array)[] = [];
    const tx = inTransaction ? await start(xs) : XBT_NULL;
    const status = await COMMANDS[mode]({
      xs,
      tx,
      args,
      columns: io.columns,
      out: inTransaction ? (data) => buffered.push(data) : (data) => io.out(data),
      warn,
    });
    if (inTransaction) {
      try {
        await xs.transactionEnd(tx, status === 0);
      } catch (error) {
        if (!(error instanceof XenError)) throw error;
        if (status === 0 && error.code === "EAGAIN") continue; // lost a race: run it all again
        throw new ToolError(error.code, "couldn't end transaction");
      }
    }
    for (const data of buffered) io.out(data);
    return status;
  }
}

async function start(xs: XenStoreClient): Promise<number> {
  try {
    return await xs.transactionStart();
  } catch (error) {
    if (!(error instanceof XenError)) throw error;
    throw new ToolError(error.code, "couldn't start transaction");
  }
}
