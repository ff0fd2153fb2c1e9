// An Io for the tools' tests that keeps what a command prints.
import type { Io, ToolEnv } from "./io.js";

export interface Captured {
  readonly io: Io;
  /** Everything written to stdout, as bytes. */
  stdout(): Buffer;
  stderr(): string;
}

export function captureIo(env: ToolEnv, columns?: number): Captured {
  const out: Buffer[] = [];
  const err: string[] = [];
  return {
    io: {
      env,
      columns,
      out: (data) => out.push(Buffer.from(data)),
      err: (text) => err.push(text),
    },
    stdout: () => Buffer.concat(out),
    stderr: () => err.join(""),
  };
}
