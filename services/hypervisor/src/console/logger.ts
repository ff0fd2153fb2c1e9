// Every line the hypervisor logs at info or above also goes to its console ring, whatever the
// logger's own level (a test's silent logger included), the way Xen's printk fills conring.
// A Proxy over the pino logger: the code keeps calling logger.info(…) and logger.child(…).
import type { Logger } from "@xenfs/service-kit";
import type { ConsoleRing } from "./ring.js";

const RINGED = new Set(["info", "warn", "error", "fatal"]);

/** `key=value` for each field, as a printk would show it; errors by their message. */
function fields(obj: Record<string, unknown>): string {
  return Object.entries(obj)
    .map(([key, value]) => {
      const shown =
        value instanceof Error
          ? value.message
          : typeof value === "object"
            ? JSON.stringify(value)
            : String(value);
      return `${key}=${shown}`;
    })
    .join(" ");
}

function line(level: string, bindings: Record<string, unknown>, args: unknown[]): string {
  const [first, ...rest] = args;
  const obj = typeof first === "object" && first !== null ? (first as Record<string, unknown>) : undefined;
  const msg = obj ? rest.map(String).join(" ") : args.map(String).join(" ");
  const tail = fields({ ...bindings, ...(obj instanceof Error ? { err: obj } : obj) });
  const tag = level === "info" ? "" : `${level.toUpperCase()}: `;
  return `${tag}${msg}${tail ? ` ${tail}` : ""}`;
}

export function consoleLogger(
  logger: Logger,
  ring: ConsoleRing,
  bindings: Record<string, unknown> = {},
): Logger {
  return new Proxy(logger, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof prop !== "string" || typeof value !== "function") return value;
      if (RINGED.has(prop)) {
        return (...args: unknown[]) => {
          ring.print(line(prop, bindings, args));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      if (prop === "child") {
        return (childBindings: Record<string, unknown>, options?: unknown) =>
          consoleLogger(target.child(childBindings, options as never), ring, {
            ...bindings,
            ...childBindings,
          });
      }
      return value;
    },
  });
}
