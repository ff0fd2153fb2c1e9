// Open flags, one table both ways (docs/xenfs.md, "Backend details"): Node's fs flags (strings, or
// numbers in the host's open(2) bits) ↔ the wire's O_* bits ↔ the host's open(2) bits again.
// The wire carries Linux's values, so on a Linux host every translation is the identity.
import { constants } from "node:fs";
import { FsProtocolError } from "./errors.js";
import { FsError, type FsErrorContext } from "./fs-error.js";

/** Linux open(2) flag values: what the open request's `flags` word carries. */
export const O = {
  O_RDONLY: 0,
  O_WRONLY: 0o1,
  O_RDWR: 0o2,
  O_CREAT: 0o100,
  O_EXCL: 0o200,
  O_TRUNC: 0o1000,
  O_APPEND: 0o2000,
  O_DIRECTORY: 0o200000,
  O_NOFOLLOW: 0o400000,
} as const;

export type OFlagName = keyof typeof O;

export const O_ACCMODE = 0o3;

const { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_DIRECTORY, O_NOFOLLOW } = O;

const ACCESS_MODES = ["O_RDONLY", "O_WRONLY", "O_RDWR"] as const satisfies readonly OFlagName[];
const STATUS_FLAGS = [
  "O_CREAT",
  "O_EXCL",
  "O_TRUNC",
  "O_APPEND",
  "O_DIRECTORY",
  "O_NOFOLLOW",
] as const satisfies readonly OFlagName[];

const KNOWN_BITS = Object.values(O).reduce((bits: number, flag) => bits | flag, 0);

/** Node's fs flag strings, as the bits Node itself would hand open(2). */
export const NODE_OPEN_FLAGS = {
  r: O_RDONLY,
  "r+": O_RDWR,
  w: O_WRONLY | O_CREAT | O_TRUNC,
  wx: O_WRONLY | O_CREAT | O_TRUNC | O_EXCL,
  "w+": O_RDWR | O_CREAT | O_TRUNC,
  "wx+": O_RDWR | O_CREAT | O_TRUNC | O_EXCL,
  a: O_WRONLY | O_CREAT | O_APPEND,
  ax: O_WRONLY | O_CREAT | O_APPEND | O_EXCL,
  "a+": O_RDWR | O_CREAT | O_APPEND,
  "ax+": O_RDWR | O_CREAT | O_APPEND | O_EXCL,
} as const;

export type NodeOpenFlag = keyof typeof NODE_OPEN_FLAGS;

/**
 * The opens Node has no name for, which a frontend sends to reopen a file after a reconnect
 * (its flags less O_CREAT|O_EXCL|O_TRUNC, `reopenFlags`): write-only, and append with or without
 * read, of an existing file.
 */
const REOPEN_FLAGS = {
  "w-existing": O_WRONLY,
  "a-existing": O_WRONLY | O_APPEND,
  "a+-existing": O_RDWR | O_APPEND,
} as const;

/** Every open a XenFS backend serves, by name; O_DIRECTORY and O_NOFOLLOW may be added to any. */
export const OPEN_FLAGS = { ...NODE_OPEN_FLAGS, ...REOPEN_FLAGS } as const;

export type OpenFlags = keyof typeof OPEN_FLAGS;

const NAME_OF_BITS = new Map<number, OpenFlags>(
  Object.entries(OPEN_FLAGS).map(([name, bits]) => [bits, name as OpenFlags]),
);

export function isOpenFlags(name: unknown): name is OpenFlags {
  return typeof name === "string" && Object.hasOwn(OPEN_FLAGS, name);
}

/** Why a flags word is not a valid open(2) request, or undefined when it is (the codec's check). */
export function openFlagsProblem(flags: number): string | undefined {
  if ((flags & ~KNOWN_BITS) !== 0) return `undefined open flag bits 0o${(flags & ~KNOWN_BITS).toString(8)}`;
  if ((flags & O_ACCMODE) === O_ACCMODE) return "access mode O_WRONLY|O_RDWR";
  return undefined;
}

/** What an open request asks for, decoded from its wire flags. */
export interface OpenRequestFlags {
  /** The open by name, without O_DIRECTORY and O_NOFOLLOW. */
  readonly name: OpenFlags;
  readonly readable: boolean;
  /** Opened for writing (O_WRONLY or O_RDWR): a shared writable mmap needs it. */
  readonly writable: boolean;
  readonly append: boolean;
  readonly create: boolean;
  readonly exclusive: boolean;
  /** Drop an existing file's content: O_TRUNC, unless O_EXCL (the file is new, nothing to drop). */
  readonly truncate: boolean;
  /** O_DIRECTORY: fail with ENOTDIR unless the path names a directory. */
  readonly directory: boolean;
  /** O_NOFOLLOW: fail with ELOOP if the last component is a symlink. */
  readonly noFollow: boolean;
}

/**
 * Wire flags → the open they ask for. Anything but the opens of OPEN_FLAGS (with O_EXCL an
 * O_TRUNC may be left out, as it is moot) is refused with FsProtocolError, which a backend
 * answers EINVAL.
 */
export function decodeOpenFlags(flags: number): OpenRequestFlags {
  const name = isU32(flags) && openFlagsProblem(flags) === undefined ? nameOf(flags) : undefined;
  if (name === undefined) {
    throw new FsProtocolError("FSIF_OUT_OF_RANGE", `open flags 0o${flags.toString(8)} are not supported`);
  }
  const exclusive = (flags & O_EXCL) !== 0;
  return {
    name,
    readable: (flags & O_ACCMODE) !== O_WRONLY,
    writable: (flags & O_ACCMODE) !== O_RDONLY,
    append: (flags & O_APPEND) !== 0,
    create: (flags & O_CREAT) !== 0,
    exclusive,
    truncate: (flags & O_TRUNC) !== 0 && !exclusive,
    directory: (flags & O_DIRECTORY) !== 0,
    noFollow: (flags & O_NOFOLLOW) !== 0,
  };
}

function nameOf(flags: number): OpenFlags | undefined {
  const open = flags & ~(O_DIRECTORY | O_NOFOLLOW);
  const name = NAME_OF_BITS.get(open);
  return name === undefined && (open & O_EXCL) !== 0 ? NAME_OF_BITS.get(open | O_TRUNC) : name;
}

function isU32(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 0xffffffff;
}

/** Reopening a file after a reconnect must not create, truncate or fail on it again. */
export function reopenFlags(flags: number): number {
  return flags & ~(O_CREAT | O_EXCL | O_TRUNC);
}

// The host's bit for each flag; one the host lacks (O_DIRECTORY off Linux and macOS) is 0.
const HOST = Object.fromEntries(
  (Object.keys(O) as OFlagName[]).map((name) => [
    name,
    (constants as Record<string, number | undefined>)[name] ?? 0,
  ]),
) as { readonly [K in OFlagName]: number };
const HOST_ACCMODE = HOST.O_RDONLY | HOST.O_WRONLY | HOST.O_RDWR;

/** Wire flags (valid ones: see openFlagsProblem) → the host's open(2) bits. */
export function hostOpenFlags(flags: number): number {
  const access = ACCESS_MODES.find((name) => O[name] === (flags & O_ACCMODE)) ?? "O_RDONLY";
  return STATUS_FLAGS.reduce(
    (host, name) => ((flags & O[name]) !== 0 ? host | HOST[name] : host),
    HOST[access],
  );
}

/** The host's open(2) bits → wire flags; undefined if it has bits the wire does not carry. */
export function wireOfHostFlags(host: number): number | undefined {
  if (!isU32(host)) return undefined;
  const access = ACCESS_MODES.find((name) => HOST[name] === (host & HOST_ACCMODE));
  if (access === undefined) return undefined;
  let wire: number = O[access];
  let rest = host & ~HOST_ACCMODE;
  for (const name of STATUS_FLAGS) {
    if (HOST[name] !== 0 && (rest & HOST[name]) !== 0) {
      wire |= O[name];
      rest &= ~HOST[name];
    }
  }
  return rest === 0 ? wire : undefined;
}

/**
 * Node's flags as an fs call takes them (a flag string, or the host's open(2) bits) → wire flags.
 * An unknown string is a TypeError, as Node's; bits the wire cannot carry are EINVAL.
 */
export function wireOpenFlags(flag: NodeOpenFlag | number, context?: FsErrorContext): number {
  if (typeof flag === "number") {
    const wire = wireOfHostFlags(flag);
    if (wire === undefined || openFlagsProblem(wire) !== undefined) throw new FsError("EINVAL", context);
    return wire;
  }
  const bits = NODE_OPEN_FLAGS[flag] as number | undefined;
  if (bits === undefined || !Object.hasOwn(NODE_OPEN_FLAGS, flag)) {
    throw new TypeError(`unknown open flag ${JSON.stringify(flag)}`);
  }
  return bits;
}
