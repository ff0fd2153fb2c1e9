// A TypeScript entry of this repository as its own OS process, speaking JSON lines on stdio:
// each stdout line that parses is a message, taken in arrival order.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export interface Message {
  readonly event?: string;
  readonly msg?: string;
  readonly [field: string]: unknown;
}

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const WAIT_MS = 30_000;

export class ChildScript {
  readonly #queue: Message[] = [];
  readonly #waiters = new Set<() => void>();
  #stderr = "";
  #exit: string | undefined;

  private constructor(
    readonly label: string,
    private readonly child: ChildProcess,
  ) {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      try {
        this.#queue.push(JSON.parse(line) as Message);
      } catch {
        return; // not a message
      }
      this.#wake();
    });
    child.stderr!.on("data", (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString()).slice(-4000);
    });
    child.on("exit", (code, signal) => {
      this.#exit = signal ?? `code ${code}`;
      this.#wake();
    });
  }

  /** Runs `script` (a path from the repository root) from its sources, with only PATH inherited. */
  static start(label: string, script: string, env: Record<string, string>): ChildScript {
    const { PATH = "" } = process.env;
    const child = spawn(process.execPath, ["--conditions=@xenfs/source", "--import", "tsx", script], {
      cwd: REPO_ROOT,
      env: { PATH, ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    return new ChildScript(label, child);
  }

  /** Takes the first message, arrived or to come, that `match` accepts; skips none of the others. */
  async take<T extends object = object>(what: string, match: (m: Message) => boolean): Promise<Message & T> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const index = this.#queue.findIndex(match);
      if (index >= 0) return this.#queue.splice(index, 1)[0] as Message & T;
      if (this.#exit !== undefined || Date.now() > deadline) {
        const state = this.#exit === undefined ? "timed out" : `exited (${this.#exit})`;
        throw new Error(`${this.label}: ${state} waiting for ${what}\n${this.#stderr}`);
      }
      await new Promise<void>((resolve) => {
        const waiters = this.#waiters;
        const timer = setTimeout(done, deadline - Date.now());
        function done() {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        }
        waiters.add(done);
      });
    }
  }

  /** Takes the next message whose `event` field is `event`. */
  event<T extends object = object>(event: string): Promise<Message & T> {
    return this.take<T>(`"${event}"`, (m) => m.event === event);
  }

  send(command: object): void {
    this.child.stdin!.write(`${JSON.stringify(command)}\n`);
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }

  async stop(): Promise<void> {
    if (this.#exit !== undefined) return;
    const gone = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill("SIGTERM");
    await gone;
  }
}
