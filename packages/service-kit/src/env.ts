// Declarative, validated configuration from environment variables. Every variable is checked
// before the service starts, and all problems are reported together, so an operator fixes a
// deployment in one pass. Values of secret variables never appear in messages.

export interface ConfigProblem {
  readonly key: string;
  readonly reason: string;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly code = "ECONFIG";
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p.key}: ${p.reason}`).join("\n")}`);
  }
}

/** Turns one raw value into T, or throws an Error whose message says why it is wrong. */
export interface Reader<T> {
  readonly secret: boolean;
  /** What a good value looks like, ranges included ("an integer in [1, 4096]"). */
  readonly describe: string;
  /** The value when unset; undefined when the variable is required or optional without one. */
  readonly default: T | undefined;
  /** What the variable is for, in a sentence. */
  readonly doc: string | undefined;
  read(raw: string | undefined): T;
  /** The text `read` turns back into `value`: how a parent process writes a child's variable. */
  format(value: NonNullable<T>): string;
}

export type ConfigOf<S extends Record<string, Reader<unknown>>> = {
  [K in keyof S]: ReturnType<S[K]["read"]>;
};

interface Presence<T> {
  default?: T;
  /** Unset is allowed and reads as undefined. */
  optional?: boolean;
  secret?: boolean;
  /** What the variable is for. */
  doc?: string;
}

type Required<T> = Presence<T> & { optional?: false };
type Optional<T> = Presence<T> & { optional: true; default?: never };

function reader<T>(
  describe: string,
  parse: (raw: string) => T,
  options: Presence<T>,
  format: (value: NonNullable<T>) => string = String,
): Reader<T> {
  const secret = options.secret ?? false;
  return {
    secret,
    describe,
    default: options.default,
    doc: options.doc,
    format,
    read(raw) {
      // An empty value counts as unset: compose files and shells export empty strings freely.
      if (raw === undefined || raw === "") {
        if (options.default !== undefined) return options.default;
        if (options.optional) return undefined as T;
        throw new Error(`is required (${describe})`);
      }
      try {
        return parse(raw);
      } catch (error) {
        const shown = secret
          ? ""
          : ` (got ${JSON.stringify(raw.length > 80 ? `${raw.slice(0, 80)}…` : raw)})`;
        throw new Error(`${(error as Error).message}${shown}`);
      }
    },
  };
}

export function str(options?: Required<string> & { minLength?: number }): Reader<string>;
export function str(options: Optional<string> & { minLength?: number }): Reader<string | undefined>;
export function str(options: Presence<string> & { minLength?: number } = {}): Reader<string | undefined> {
  const minLength = options.minLength ?? 0;
  return reader(
    minLength > 0 ? `a string of at least ${minLength} characters` : "a string",
    (raw) => {
      if (raw.length < minLength) throw new Error(`must be at least ${minLength} characters`);
      return raw;
    },
    options,
  );
}

interface IntRange {
  min?: number;
  max?: number;
}

function parseInteger(raw: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(raw.trim())) throw new Error("must be an integer");
  const value = Number(raw.trim());
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new Error(`must be an integer in [${min}, ${max}]`);
  }
  return value;
}

export function int(options?: Required<number> & IntRange): Reader<number>;
export function int(options: Optional<number> & IntRange): Reader<number | undefined>;
export function int(options: Presence<number> & IntRange = {}): Reader<number | undefined> {
  const min = options.min ?? Number.MIN_SAFE_INTEGER;
  const max = options.max ?? Number.MAX_SAFE_INTEGER;
  const range = options.min === undefined && options.max === undefined ? "" : ` in [${min}, ${max}]`;
  return reader(`an integer${range}`, (raw) => parseInteger(raw, min, max), options);
}

/** A TCP port; 0 asks the kernel for an ephemeral one. */
export function port(options: Required<number> = {}): Reader<number> {
  return reader("a TCP port 0-65535", (raw) => parseInteger(raw, 0, 65535), options);
}

export function url(options?: Required<string> & { protocols?: readonly string[] }): Reader<string>;
export function url(
  options: Optional<string> & { protocols?: readonly string[] },
): Reader<string | undefined>;
export function url(
  options: Presence<string> & { protocols?: readonly string[] } = {},
): Reader<string | undefined> {
  const protocols = options.protocols;
  return reader(
    "a URL",
    (raw) => {
      let parsed: URL;
      try {
        parsed = new URL(raw);
      } catch {
        throw new Error("must be an absolute URL");
      }
      if (protocols && !protocols.includes(parsed.protocol.replace(/:$/, ""))) {
        throw new Error(`must use one of ${protocols.join(", ")}`);
      }
      return raw;
    },
    options,
  );
}

export function oneOf<const V extends string>(values: readonly V[], options: Required<V> = {}): Reader<V> {
  return reader(
    `one of ${values.join(", ")}`,
    (raw) => {
      if (!(values as readonly string[]).includes(raw))
        throw new Error(`must be one of ${values.join(", ")}`);
      return raw as V;
    },
    options,
  );
}

const TRUE = ["1", "true", "yes", "on"];
const FALSE = ["0", "false", "no", "off"];

export function bool(options: Required<boolean> = {}): Reader<boolean> {
  return reader(
    "a boolean",
    (raw) => {
      const v = raw.trim().toLowerCase();
      if (TRUE.includes(v)) return true;
      if (FALSE.includes(v)) return false;
      throw new Error("must be one of true/false, 1/0, yes/no, on/off");
    },
    options,
  );
}

const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "250", "250ms", "10s", "2m", "1h" → milliseconds. */
export function durationMs(options: Required<number> & IntRange = {}): Reader<number> {
  const min = options.min ?? 0;
  const max = options.max ?? 2 ** 31 - 1; // setTimeout's limit
  return reader(
    `a duration like 500ms, 10s, 2m, between ${min}ms and ${max}ms`,
    (raw) => {
      const match = /^(\d+)(ms|s|m|h)?$/.exec(raw.trim());
      if (!match) throw new Error("must be a duration like 500ms, 10s, 2m");
      const value = Number(match[1]) * (DURATION_UNITS[match[2] ?? "ms"] ?? 1);
      if (value < min || value > max) throw new Error(`must be between ${min}ms and ${max}ms`);
      return value;
    },
    options,
  );
}

/** Text that `check` accepts (it throws on a bad value), kept as given: for a grammar another
 *  module owns, such as XEN_FAULTS. */
export function checked(check: (raw: string) => unknown, options: Required<string> = {}): Reader<string> {
  return reader(
    "a value its grammar accepts",
    (raw) => {
      check(raw);
      return raw;
    },
    options,
  ) as Reader<string>;
}

/** A value `parse` turns into T (throwing on a bad one), written back with String(). */
export function parsed<T>(describe: string, parse: (raw: string) => T, options: Required<T> = {}): Reader<T> {
  return reader(describe, parse, options);
}

/** Reads every key of `spec` from `env`; throws one ConfigError naming every bad variable. */
export function readConfig<S extends Record<string, Reader<unknown>>>(
  spec: S,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ConfigOf<S> {
  const problems: ConfigProblem[] = [];
  const config: Record<string, unknown> = {};
  for (const [key, read] of Object.entries(spec)) {
    try {
      config[key] = read.read(env[key]);
    } catch (error) {
      problems.push({ key, reason: (error as Error).message });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config as ConfigOf<S>;
}
