// How a domain process talks to the bench that started it: JSON lines out, JSON lines in.
import { createInterface } from "node:readline";

export function report(event: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);
}

/** Reports the failure and exits non-zero, so the bench sees it instead of waiting. */
export function fail(error: unknown): never {
  report("error", { message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
}

/** The bench's commands, one JSON object a line, of the shape the script declares. */
export async function* commands<T extends object>(): AsyncGenerator<T> {
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() !== "") yield JSON.parse(line) as T;
  }
}

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) fail(new Error(`${name} is not set`));
  return value;
}
