// Where a command writes and what it reads from its environment: the real process for the bins,
// buffers for in-process tests.
/** The variables the tools read. */
export interface ToolEnv {
  readonly XENSTORED_PATH?: string | undefined;
  readonly XENSTORED_RUNDIR?: string | undefined;
  readonly XEN_HYPERVISOR_HTTP?: string | undefined;
  readonly XEN_DOM0_TOKEN?: string | undefined;
}

export interface Io {
  readonly env: ToolEnv;
  /** Terminal width when stdout is a terminal (xenstore-ls fits its lines to it). */
  readonly columns: number | undefined;
  out(data: string | Uint8Array): void;
  err(text: string): void;
  /** Keys typed at the terminal, for interactive commands (xl top's q); absent in tests. */
  readonly input?: NodeJS.ReadStream | undefined;
}

export function processIo(): Io {
  return {
    env: process.env as ToolEnv,
    columns: process.stdout.isTTY ? process.stdout.columns : undefined,
    out: (data) => process.stdout.write(data),
    err: (text) => process.stderr.write(text),
    input: process.stdin,
  };
}
