// A run's history on disk: every operation, the final state, and what the checker needs to judge
// them again without the host (`pnpm chaos --check <file>`, docs/chaos.md#histories). Written
// before the check, so a check that fails or takes too long can be re-run and profiled alone.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { checkFinal, checkHangs, checkReads, type Violation } from "./checker.js";
import type { Seen } from "./content.js";
import type { Operation } from "./history.js";

/** What the final reads found per key: the disk's bytes, and the guest's read ("hung": no answer). */
export type FinalState = ReadonlyMap<string, { disk: Buffer | undefined; guest: Seen | undefined | "hung" }>;

export interface SavedRun {
  readonly scenario: string;
  readonly seed: number;
  readonly fileBytes: number;
  readonly ops: readonly Operation[];
  readonly keys: readonly string[];
  readonly final: FinalState;
}

const FORMAT = "xenfs-chaos-history/1";

/** Buffers as base64, so the file is plain JSON. */
function encodeSeen(seen: Seen | undefined | "hung"): unknown {
  return seen !== undefined && seen !== "hung" && seen.state === "corrupt"
    ? { state: "corrupt", bytes: seen.bytes.toString("base64") }
    : seen;
}

function decodeSeen(value: unknown): Seen | undefined | "hung" {
  if (value === undefined || value === null) return undefined;
  if (value === "hung") return "hung";
  const seen = value as { state?: unknown; bytes?: unknown };
  if (seen.state === "corrupt") {
    if (typeof seen.bytes !== "string") throw new Error("a corrupt read without its bytes");
    return { state: "corrupt", bytes: Buffer.from(seen.bytes, "base64") };
  }
  return value as Seen;
}

export async function saveRun(path: string, run: SavedRun): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const body = {
    format: FORMAT,
    scenario: run.scenario,
    seed: run.seed,
    fileBytes: run.fileBytes,
    keys: run.keys,
    final: [...run.final].map(([key, { disk, guest }]) => ({
      key,
      disk: disk?.toString("base64") ?? null,
      guest: encodeSeen(guest) ?? null,
    })),
    ops: run.ops.map((op) => (op.seen === undefined ? op : { ...op, seen: encodeSeen(op.seen) })),
  };
  await writeFile(path, JSON.stringify(body));
}

export async function loadRun(path: string): Promise<SavedRun> {
  const text = await readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
    throw new Error(`${path}: ${error.code ?? error.message}`);
  });
  let body: {
    format?: unknown;
    scenario: string;
    seed: number;
    fileBytes: number;
    keys: string[];
    final: { key: string; disk: string | null; guest: unknown }[];
    ops: (Operation & { seen?: unknown })[];
  };
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: not JSON (${(error as Error).message})`);
  }
  if (body.format !== FORMAT) throw new Error(`${path}: not a chaos history (format ${String(body.format)})`);
  return {
    scenario: body.scenario,
    seed: body.seed,
    fileBytes: body.fileBytes,
    keys: body.keys,
    final: new Map(
      body.final.map(({ key, disk, guest }) => [
        key,
        { disk: disk === null ? undefined : Buffer.from(disk, "base64"), guest: decodeSeen(guest) },
      ]),
    ),
    ops: body.ops.map(({ seen: raw, ...op }) => {
      const seen = decodeSeen(raw);
      return seen === undefined || seen === "hung" ? op : { ...op, seen };
    }),
  };
}

/** The invariants over a history (all but the teardown's counts, which need the host). */
export function checkHistory(run: SavedRun): Violation[] {
  return [
    ...checkReads(run.ops, run.fileBytes),
    ...checkHangs(run.ops),
    ...checkFinal(run.ops, run.keys, run.final, run.fileBytes),
  ];
}
