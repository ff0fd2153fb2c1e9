// The workload: writers, each owning its keys and writing new versions of them in turn; renamers,
// each owning its keys and replacing them atomically (write `<key>.tmp`, rename it over the key);
// and readers reading any key, across the guests through their /fs routes (a write is a
// whole-file replace: O_TRUNC, then the bytes). Every operation goes into the history.
import { setTimeout as sleep } from "node:timers/promises";
import type { ChaosHost } from "./compose-host.js";
import { classify, contentOf } from "./content.js";
import type { History, Operation } from "./history.js";
import type { Random } from "./random.js";
import type { Scenario } from "./scenario.js";

/** Errnos that say the guest could not reach dom0: the operation's fate is unknown, not refused. */
const UNKNOWN_FATE = new Set(["ETIMEDOUT", "ENOTCONN", "ECONNRESET"]);
/** How long settling every key may take in all. */
const SETTLE_BUDGET_MS = 120_000;
/** After a refusal or failure an actor waits this long, so a fault with p=1 is not a busy loop. */
const BACKOFF_MS = 25;

export class Workload {
  readonly #versions = new Map<string, number>();
  #stopped = false;

  constructor(
    private readonly scenario: Scenario,
    private readonly host: ChaosHost,
    private readonly history: History,
    private readonly random: Random,
  ) {}

  /** Every key, by the writer that owns it. */
  keysOf(writer: number): string[] {
    return Array.from({ length: this.scenario.workload.keysPerWriter }, (_, j) => `w${writer}-k${j}`);
  }

  writerGuest(writer: number): number {
    return writer % this.host.guestCount;
  }

  /** Every key, by the renamer that owns it. */
  renamedKeysOf(renamer: number): string[] {
    return Array.from({ length: this.scenario.workload.keysPerWriter }, (_, j) => `r${renamer}-k${j}`);
  }

  renamerGuest(renamer: number): number {
    return (renamer + 2) % this.host.guestCount;
  }

  /** Every key the writers and renamers own. */
  keys(): string[] {
    const { writers, renamers } = this.scenario.workload;
    return [
      ...Array.from({ length: writers }, (_, w) => this.keysOf(w)).flat(),
      ...Array.from({ length: renamers }, (_, r) => this.renamedKeysOf(r)).flat(),
    ];
  }

  /** Runs every actor until stop(). */
  async run(): Promise<void> {
    const { writers, readers, renamers } = this.scenario.workload;
    await Promise.all([
      ...Array.from({ length: writers }, (_, w) => this.#writer(w, this.random.fork(w))),
      ...Array.from({ length: renamers }, (_, r) => this.#renamer(r, this.random.fork(2000 + r))),
      ...Array.from({ length: readers }, (_, r) =>
        this.#reader(r, (r + 1) % this.host.guestCount, this.random.fork(1000 + r)),
      ),
    ]);
  }

  stop(): void {
    this.#stopped = true;
  }

  /**
   * After the faults: a key whose last write was not acknowledged is written again until one is
   * (a refused replace may have truncated it), so that every key ends on an acknowledged write.
   */
  async settle(tries = 10, budgetMs = SETTLE_BUDGET_MS): Promise<void> {
    // Bounded as a whole: a host that no longer answers leaves keys unsettled (a violation, with
    // the hung writes in the history) instead of holding the run for tries × deadline per key.
    const until = Date.now() + budgetMs;
    for (let w = 0; w < this.scenario.workload.writers; w++) {
      for (const key of this.keysOf(w)) {
        const last = this.history.ops.filter((op) => op.kind === "write" && op.key === key).pop();
        if (last === undefined || last.outcome === "ok") continue;
        for (let i = 0; i < tries && Date.now() < until; i++) {
          if ((await this.write(`settle-${w}`, this.writerGuest(w), key)).outcome === "ok") break;
          await sleep(500);
        }
      }
    }
    for (let r = 0; r < this.scenario.workload.renamers; r++) {
      for (const key of this.renamedKeysOf(r)) {
        const last = this.history.ops.filter((op) => op.kind === "rename" && op.key === key).pop();
        if (last === undefined || last.outcome === "ok") continue;
        for (let i = 0; i < tries && Date.now() < until; i++) {
          if ((await this.replace(`settle-r${r}`, this.renamerGuest(r), key))?.outcome === "ok") break;
          await sleep(500);
        }
      }
    }
  }

  /** One whole-file write of the key's next version. */
  async write(actor: string, guest: number, key: string): Promise<Operation> {
    const version = (this.#versions.get(key) ?? 0) + 1;
    this.#versions.set(key, version);
    const op = this.history.begin({ kind: "write", actor, guest, key, version });
    const body = contentOf(key, version, this.scenario.workload.fileBytes);
    await this.#request(op, "PUT", `/fs/${key}`, body);
    return op;
  }

  /**
   * The key's next version written whole to `<key>.tmp`, then renamed over the key: the rename is
   * the operation on the key (undefined when the staging write was not acknowledged).
   */
  async replace(actor: string, guest: number, key: string): Promise<Operation | undefined> {
    const version = (this.#versions.get(key) ?? 0) + 1;
    const staging = `${key}.tmp`;
    const stage = this.history.begin({ kind: "write", actor, guest, key: staging, version });
    await this.#request(
      stage,
      "PUT",
      `/fs/${staging}`,
      contentOf(key, version, this.scenario.workload.fileBytes),
    );
    if (stage.outcome !== "ok") return undefined;
    this.#versions.set(key, version);
    const op = this.history.begin({ kind: "rename", actor, guest, key, version });
    const query = new URLSearchParams({ from: staging, to: key });
    await this.#request(op, "POST", `/fs-rename?${query}`);
    return op;
  }

  async read(actor: string, guest: number, key: string): Promise<Operation> {
    const op = this.history.begin({ kind: "read", actor, guest, key });
    await this.#request(op, "GET", `/fs/${key}`);
    return op;
  }

  async #writer(w: number, random: Random): Promise<void> {
    const keys = this.keysOf(w);
    const guest = this.writerGuest(w);
    while (!this.#stopped) {
      if (this.host.guest(guest) === undefined) {
        await sleep(50);
        continue;
      }
      const op = await this.write(`writer-${w}`, guest, random.pick(keys));
      await this.#pause(op);
    }
  }

  async #renamer(r: number, random: Random): Promise<void> {
    const keys = this.renamedKeysOf(r);
    const guest = this.renamerGuest(r);
    while (!this.#stopped) {
      if (this.host.guest(guest) === undefined) {
        await sleep(50);
        continue;
      }
      const op = await this.replace(`renamer-${r}`, guest, random.pick(keys));
      if (op === undefined) await sleep(BACKOFF_MS);
      else await this.#pause(op);
    }
  }

  async #reader(r: number, guest: number, random: Random): Promise<void> {
    while (!this.#stopped) {
      const keys = [...this.#versions.keys()];
      if (keys.length === 0 || this.host.guest(guest) === undefined) {
        await sleep(50);
        continue;
      }
      const op = await this.read(`reader-${r}`, guest, random.pick(keys.sort()));
      await this.#pause(op);
    }
  }

  async #pause(op: Operation): Promise<void> {
    const { thinkMs } = this.scenario.workload;
    if (op.outcome !== "ok") await sleep(BACKOFF_MS);
    else if (thinkMs > 0) await sleep(thinkMs);
  }

  async #request(op: Operation, method: "GET" | "PUT" | "POST", path: string, body?: Buffer): Promise<void> {
    const service = this.host.guest(op.guest);
    if (service === undefined) return this.history.finish(op, "failed", { detail: "guest down" });
    const { deadlineMs, fileBytes } = this.scenario.workload;
    try {
      const response = await fetch(`${service.url}${path}`, {
        method,
        ...(body === undefined ? {} : { body }),
        signal: AbortSignal.timeout(deadlineMs),
      });
      const bytes = Buffer.from(await response.arrayBuffer());
      if (response.ok) {
        const seen = method === "GET" ? { seen: classify(op.key, bytes, fileBytes) } : {};
        return this.history.finish(op, "ok", seen);
      }
      const errno = /"code":"(E[A-Z]+)"/.exec(bytes.toString("utf8"))?.[1] ?? `HTTP${response.status}`;
      if (method === "GET" && errno === "ENOENT")
        return this.history.finish(op, "ok", { seen: { state: "missing" } });
      const message = /"message":"((?:[^"\\]|\\.){0,300})/.exec(bytes.toString("utf8"))?.[1];
      this.history.finish(op, UNKNOWN_FATE.has(errno) ? "failed" : "refused", {
        errno,
        ...(message === undefined ? {} : { detail: message }),
      });
    } catch (error) {
      const name = (error as Error).name;
      if (name === "TimeoutError")
        return this.history.finish(op, "hung", { detail: `over ${deadlineMs} ms` });
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      this.history.finish(op, "failed", { detail: cause ?? (error as Error).message });
    }
  }
}
