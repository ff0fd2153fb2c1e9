// A service's environment, declared once: the variables (name, default, range, doc) and the
// checks that span several of them or look at this host. The service reads it (readEnv); a parent process that starts
// the service writes it (buildEnv), so names, defaults and ranges are never restated elsewhere.
import { accessSync, constants, statSync } from "node:fs";
import { ConfigError, type ConfigOf, type ConfigProblem, type Reader, readConfig } from "./env.js";

export type EnvVars = Record<string, Reader<unknown>>;

export interface EnvSpec<S extends EnvVars> {
  readonly vars: S;
  /**
   * Problems no single value shows: two tokens that must differ, a directory that must exist on
   * this host. Run by the service once every variable reads, never by a parent building the env.
   */
  readonly check?: ((config: ConfigOf<S>) => readonly ConfigProblem[]) | undefined;
}

/** Values a parent process gives a child: any subset, each of the type the child reads. */
export type EnvValues<S extends EnvVars> = { [K in keyof S]?: ConfigOf<S>[K] | undefined };

/** The values a spec takes: `EnvValuesOf<typeof DOM0_ENV>`. */
export type EnvValuesOf<E> = E extends EnvSpec<infer S> ? EnvValues<S> : never;

export function envSpec<S extends EnvVars>(
  vars: S,
  check?: (config: ConfigOf<S>) => readonly ConfigProblem[],
): EnvSpec<S> {
  return { vars, check };
}

/** Reads and checks the whole environment; throws one ConfigError naming every problem. */
export function readEnv<S extends EnvVars>(
  spec: EnvSpec<S>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ConfigOf<S> {
  const config = readConfig(spec.vars, env);
  const problems = spec.check?.(config) ?? [];
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/**
 * The variables that give a child `values` (unset ones take the child's defaults). Each value is
 * read back as the child will read it, so a value out of range fails here, in the parent.
 */
export function buildEnv<S extends EnvVars>(spec: EnvSpec<S>, values: EnvValues<S>): Record<string, string> {
  const env: Record<string, string> = {};
  const problems: ConfigProblem[] = [];
  for (const [key, value] of Object.entries(values)) {
    const reader = spec.vars[key];
    if (value === undefined || reader === undefined) continue;
    const raw = reader.format(value as NonNullable<unknown>);
    try {
      reader.read(raw);
      env[key] = raw;
    } catch (error) {
      problems.push({ key, reason: (error as Error).message });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return env;
}

/** Every variable's default, as the service reads it when the variable is unset. */
export function envDefaults<S extends EnvVars>(spec: EnvSpec<S>): EnvValues<S> {
  const defaults: Record<string, unknown> = {};
  for (const [key, reader] of Object.entries(spec.vars)) {
    if (reader.default !== undefined) defaults[key] = reader.default;
  }
  return defaults as EnvValues<S>;
}

/** One variable's default, for a composition root given no value: the spec states it, nobody else. */
export function envDefault<S extends EnvVars, K extends keyof S & string>(
  spec: EnvSpec<S>,
  key: K,
): NonNullable<ConfigOf<S>[K]> {
  const value = spec.vars[key]?.default;
  if (value === undefined) throw new Error(`${key} has no default`);
  return value as NonNullable<ConfigOf<S>[K]>;
}

/** A problem when `path` is not an existing directory (writable, when asked) on this host. */
export function directoryProblems(
  key: string,
  path: string | undefined,
  { writable = false }: { writable?: boolean } = {},
): ConfigProblem[] {
  if (path === undefined) return [];
  const what = writable ? "a writable directory" : "an existing directory";
  try {
    if (!statSync(path).isDirectory()) return [{ key, reason: `${path} is not ${what}` }];
    if (writable) accessSync(path, constants.W_OK);
    return [];
  } catch {
    return [{ key, reason: `${path} is not ${what}` }];
  }
}
