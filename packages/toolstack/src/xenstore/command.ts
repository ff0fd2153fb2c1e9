// What each xenstore-* command gets: the connection, its transaction (XBT_NULL outside one),
// its options, stdout, and warnx()-style warnings on stderr. It answers its exit status.
import { XenError, type XenStoreClient } from "@xenfs/libxen";
import type { XsArgs } from "./options.js";

export interface XsCommandContext {
  readonly xs: XenStoreClient;
  readonly tx: number;
  readonly args: XsArgs;
  /** The terminal's width when stdout is one. */
  readonly columns: number | undefined;
  out(data: string | Uint8Array): void;
  warn(message: string): void;
}

export type XsCommand = (ctx: XsCommandContext) => Promise<0 | 1>;

/** A request's result, or the XenError it failed with (libxenstore's NULL and errno). */
export async function attempt<T>(request: Promise<T>): Promise<T | XenError> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof XenError) return error;
    throw error;
  }
}
