import { FS_STRERROR, type FsErrnoName, statusOf } from "./errno.js";

export interface FsErrorContext {
  readonly syscall?: string;
  readonly path?: string;
  readonly dest?: string;
}

/**
 * A failed file operation, shaped like Node's fs errors (`code`, negative `errno`, `syscall`,
 * `path`, `dest`, same message), so code written for `fs` handles it unchanged.
 */
export class FsError extends Error {
  readonly errno: number;
  // `declare`: absent, not undefined, when not given, as on Node's errors.
  declare readonly syscall?: string;
  declare readonly path?: string;
  declare readonly dest?: string;

  constructor(
    readonly code: FsErrnoName,
    context: FsErrorContext = {},
  ) {
    super(formatMessage(code, context));
    this.errno = statusOf(code);
    Object.assign(this, context);
  }
}

function formatMessage(code: FsErrnoName, { syscall, path, dest }: FsErrorContext): string {
  let message = `${code}: ${FS_STRERROR[code]}`;
  if (syscall !== undefined) message += `, ${syscall}`;
  if (path !== undefined) message += ` '${path}'`;
  if (dest !== undefined) message += ` -> '${dest}'`;
  return message;
}
