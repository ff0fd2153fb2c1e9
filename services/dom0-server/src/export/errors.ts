import { constants } from "node:os";

/** A Node/Linux errno name: `ENOENT`, `EXDEV`, … */
export type ErrnoName = keyof typeof constants.errno;

/** What an export operation was doing when it failed; carried so the caller can log the refusal. */
export interface ExportErrorDetail {
  /** The operation, named after the syscall it stands for (`open`, `rename`, …). */
  readonly syscall: string;
  /** The guest's path (never the host path: messages may travel back to the guest). */
  readonly path: string;
  /** Why, in words. */
  readonly reason: string;
}

/** The longest guest path an error repeats; an overlong path is itself a refusal reason. */
const MAX_PATH_IN_ERROR = 256;

/**
 * A failed or refused export operation, shaped like Node's fs errors: `code` is the errno name,
 * `errno` the negative Linux number (as Node's `err.errno` and Xen's `-errno` status).
 */
export class ExportError extends Error {
  override readonly name = "ExportError";
  readonly errno: number;
  readonly syscall: string;
  readonly path: string;
  readonly reason: string;

  constructor(
    readonly code: ErrnoName,
    detail: ExportErrorDetail,
    options?: ErrorOptions,
  ) {
    const path =
      detail.path.length > MAX_PATH_IN_ERROR ? `${detail.path.slice(0, MAX_PATH_IN_ERROR)}…` : detail.path;
    super(`${code}: ${detail.reason}, ${detail.syscall} '${path}'`, options);
    this.errno = errnoOf(code);
    this.syscall = detail.syscall;
    this.path = path;
    this.reason = detail.reason;
  }
}

/** The negative Linux errno for a name, as the wire and Node report it. */
export function errnoOf(code: ErrnoName): number {
  return -constants.errno[code];
}

function isErrnoName(code: unknown): code is ErrnoName {
  return typeof code === "string" && Object.hasOwn(constants.errno, code);
}

/** Node's description of the errno ("no such file or directory"), without its host path. */
function nodeReason(err: Error, code: string): string {
  const match = /^[A-Z0-9_]+: ([^,]+)/.exec(err.message);
  return match?.[1] ?? code;
}

/**
 * Turn whatever a Node fs call threw into an ExportError naming the guest path. Node's code is
 * kept; an error that carries no errno (a bug, not the disk) becomes EIO with the original as
 * `cause`, so a guest always gets an errno and the log keeps the truth.
 */
export function toExportError(err: unknown, syscall: string, guestPath: string): ExportError {
  if (err instanceof ExportError) return err;
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    if (isErrnoName(code)) {
      return new ExportError(
        code,
        { syscall, path: guestPath, reason: nodeReason(err, code) },
        { cause: err },
      );
    }
  }
  return new ExportError("EIO", { syscall, path: guestPath, reason: "unexpected failure" }, { cause: err });
}

/** Run one export operation so that anything it throws is an ExportError for `guestPath`. */
export async function guarded<T>(syscall: string, guestPath: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    throw toExportError(err, syscall, guestPath);
  }
}
