// A TypeScript entry of this repository run as its own OS process, speaking JSON lines: each
// stdout line that parses is a message, taken in arrival order; commands go to its stdin the
// same way. Tests and benchmarks start their fixture processes with it.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** One stdout line: fixtures name it with `event`, pino logs with `msg`; other fields vary. */
export interface Message {
  readonly event?: string;
  readonly msg?: string;
  readonly [field: string]: unknown;
}

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DEFAULT_WAIT_MS = 30_000;

export class JsonLinesProcess {
  readonly #messages: Message[] = [];
  readonly #taken = new Set<Message>();
  readonly #waiters = new Set<() => void>();
  #stderr = "";
  #exit: string | undefined;

  private constructor(
    readonly label: string,
    private readonly child: ChildProcess,
  ) {
    createInterface({ input: child.stdout! }).on("line", (line) => this.#onLine(line));
    child.stderr!.on("data", (chunk: Buffer) => {
      this.#stderr += chunk.toString();
    });
    child.on("exit", (code, signal) => {
      this.#exit = signal ?? `code ${code}`;
      this.#wake();
    });
  }

  /** Runs `script` (a path from the repository root) with workspace sources and tsx. */
  static start(label: string, script: string, env: Record<string, string>): JsonLinesProcess {
    // Only PATH is inherited: a stray XEN_* variable must not change what runs.
    const { PATH = "" } = process.env;
    const child = spawn(process.execPath, ["--conditions=@xenfs/source", "--import", "tsx", script], {
      cwd: REPO_ROOT,
      env: { PATH, ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    return new JsonLinesProcess(label, child);
  }

  /** The process id (for reading its memory from /proc); undefined if it never started. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Takes the first message not taken yet, arrived or to come, that `match` accepts. */
  async waitFor<T extends object = object>(
    what: string,
    match: (message: Message) => boolean,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<Message & T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.#messages.find((m) => !this.#taken.has(m) && match(m));
      if (found) {
        this.#taken.add(found);
        return found as Message & T;
      }
      if (this.#exit !== undefined || Date.now() >= deadline) {
        const state = this.#exit === undefined ? "timed out" : `exited (${this.#exit})`;
        throw new Error(`${this.label}: ${state} waiting for ${what}\nstderr: ${this.#stderr.slice(-2000)}`);
      }
      await this.#nextChange(deadline - Date.now());
    }
  }

  /** Takes the next message whose `event` field is `event`. */
  event<T extends object = object>(event: string, timeoutMs?: number): Promise<Message & T> {
    return this.waitFor<T>(`"${event}"`, (m) => m.event === event, timeoutMs);
  }

  send(command: object): void {
    this.child.stdin!.write(`${JSON.stringify(command)}\n`);
  }

  /** Asks the process to stop (SIGTERM) and waits for it to be gone. */
  stop(): Promise<void> {
    return this.kill("SIGTERM");
  }

  /** Sends `signal` and waits for the process to be gone. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    if (this.#exit !== undefined) return;
    const gone = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill(signal);
    await gone;
  }

  #onLine(line: string): void {
    try {
      this.#messages.push(JSON.parse(line) as Message);
      this.#wake();
    } catch {
      // Not a message (a stray console line): ignored.
    }
  }

  #nextChange(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const waiters = this.#waiters;
      function done() {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      }
      waiters.add(done);
    });
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}
