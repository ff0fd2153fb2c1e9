import { ExportError } from "./errors.js";

/** Where a value came from, for the error a bad one gets. */
export interface ArgContext {
  readonly syscall: string;
  readonly path: string;
}

/** A whole number in [min, max], or EINVAL naming the argument. Checked before any disk access. */
export function requireInteger(
  value: unknown,
  what: string,
  min: number,
  max: number,
  at: ArgContext,
): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ExportError("EINVAL", { ...at, reason: `${what} must be an integer in [${min}, ${max}]` });
  }
  return value;
}

/** Permission bits (with setuid, setgid, sticky); file-type bits are not the guest's to set. */
export function requireMode(value: unknown, at: ArgContext): number {
  return requireInteger(value, "mode", 0, 0o7777, at);
}

/** A byte offset or file size. */
export function requireOffset(value: unknown, what: string, at: ArgContext): number {
  return requireInteger(value, what, 0, Number.MAX_SAFE_INTEGER, at);
}
