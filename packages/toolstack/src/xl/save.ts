// `xl save <domain> <file>` and `xl restore <file>` over the hypervisor's admin API
// (docs/migration.md): the image is the libxc migration stream v2, written mode 0600 (it holds
// the domain's memory and the key its process attaches with).
import { readFile, writeFile } from "node:fs/promises";
import { ToolError } from "../errors.js";
import { mib } from "./progress.js";

/** A page in a PAGE_DATA record: its pfn and its 4 KiB. */
const PAGE_RECORD_BYTES = 8 + 4096;

export interface AdminTarget {
  readonly base: string;
  readonly token: string | undefined;
}

async function admin(
  target: AdminTarget,
  path: string,
  body?: Uint8Array | ReadableStream<Uint8Array>,
  signal?: AbortSignal,
): Promise<Response> {
  if (!target.token) throw new ToolError("EACCES", "xl save/restore needs dom0's token: set XEN_DOM0_TOKEN");
  const url = new URL(path, target.base);
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${target.token}`, "content-type": "application/octet-stream" },
      body: body ?? null,
      ...(signal ? { signal } : {}),
      // A stream is sent as it comes (a migration's rounds), not gathered first.
      ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
    } as RequestInit);
  } catch (error) {
    const cause = (error as Error).cause as NodeJS.ErrnoException | undefined;
    throw new ToolError(
      cause?.code ?? "EIO",
      `cannot reach the hypervisor at ${url.origin}: ${cause?.message ?? error}`,
    );
  }
  if (!res.ok) {
    const failure = (await res.json().catch(() => undefined)) as
      | { error?: { code: string; message: string } }
      | undefined;
    const { code = "EIO", message = `HTTP ${res.status}` } = failure?.error ?? {};
    throw new ToolError(code, `${message} (${code})`);
  }
  return res;
}

/** How long a failed migration waits for the source to stop sending before it resumes the guest. */
const STOP_WAIT_MS = 10_000;

/** How far a save or a migration has got, for a progress bar. */
export interface TransferProgress {
  /** Octets of the image received so far. */
  readonly bytes: number;
  /** The image's size when known (a save), else undefined. */
  readonly total?: number;
  /** A migration: the source's record so far (rounds done, frames at the start, state). */
  readonly source?: MigrationRecord;
}

/** Suspends the domain, writes its image to `file`, and answers the image's size. */
export async function saveDomain(
  target: AdminTarget,
  domid: number,
  file: string,
  onProgress: (progress: TransferProgress) => void = () => {},
): Promise<number> {
  const res = await admin(target, `/api/save/${domid}`);
  const total = Number(res.headers.get("content-length") ?? Number.NaN);
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for await (const chunk of res.body ?? []) {
    chunks.push(chunk);
    bytes += chunk.length;
    onProgress({ bytes, ...(Number.isFinite(total) ? { total } : {}) });
  }
  await writeFile(file, Buffer.concat(chunks), { mode: 0o600 });
  return bytes;
}

/** Restores the image in `file`: the new domain's domid and name. */
export async function restoreDomain(
  target: AdminTarget,
  file: string,
): Promise<{ domid: number; name: string }> {
  let image: Uint8Array;
  try {
    image = await readFile(file);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new ToolError(e.code ?? "EIO", `cannot read ${file}: ${e.message}`);
  }
  const res = await admin(target, "/api/restore", image);
  return (await res.json()) as { domid: number; name: string };
}

export interface MigrationRound {
  readonly round: number;
  readonly pages: number;
  readonly suspended: boolean;
  readonly atMs: number;
  readonly suspendedAtMs?: number;
}

/** GET /api/migrate/<domid> on the source: the migration as it goes. */
export interface MigrationRecord {
  readonly frames: number;
  readonly state: string;
  readonly rounds: readonly MigrationRound[];
  readonly bytes: number;
  readonly suspendedMs?: number;
}

export interface MigrateResult {
  readonly domid: number;
  readonly name: string;
  readonly bytes: number;
  readonly ms: number;
  /** The source's rounds (empty if it could not say). */
  readonly rounds: readonly MigrationRound[];
}

/**
 * `xl migrate`: the source streams the domain round by round (log-dirty pre-copy), the stream
 * goes as it comes into the target's restore; once the target holds the domain, the source's
 * suspended copy is destroyed and the guest process attaches at the target. If the target
 * refuses it, the source keeps the domain and the process attaches there again.
 */
export async function migrateDomain(
  source: AdminTarget,
  target: AdminTarget,
  domid: number,
  onProgress: (progress: TransferProgress) => void = () => {},
): Promise<MigrateResult> {
  const started = performance.now();
  const attachUrl = new URL("/hypercall", target.base);
  attachUrl.protocol = attachUrl.protocol === "https:" ? "wss:" : "ws:";
  const sending = new AbortController();
  const sent = await admin(
    source,
    `/api/migrate/${domid}?attachUrl=${encodeURIComponent(attachUrl.href)}`,
    undefined,
    sending.signal,
  );
  let bytes = 0;
  let record: MigrationRecord | undefined;
  const counted = sent.body?.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        bytes += chunk.length;
        onProgress({ bytes, ...(record ? { source: record } : {}) });
        controller.enqueue(chunk);
      },
    }),
  );
  // The source's rounds as they finish, for the progress bar.
  const poll = setInterval(() => {
    void sourceRecord(source, domid).then((got) => {
      record = got ?? record;
    });
  }, 250);
  let restored: Response;
  try {
    restored = await admin(target, "/api/restore", counted);
  } catch (error) {
    // The target may refuse early (a name taken there: at the image's first record), while the
    // source is still sending: the source stops, and once it has (the guest suspended or not),
    // a suspended guest is resumed there, as a failed xl migrate does — it attaches again.
    sending.abort();
    await sourceStopped(source, domid);
    await admin(source, `/api/resume/${domid}`).catch(() => undefined);
    throw error;
  } finally {
    clearInterval(poll);
  }
  const { domid: newDomid, name } = (await restored.json()) as { domid: number; name: string };
  await admin(source, `/api/domains/${domid}/destroy`);
  const ms = Math.round(performance.now() - started);
  const rounds = (await sourceRecord(source, domid))?.rounds ?? [];
  return { domid: newDomid, name, bytes, ms, rounds };
}

/** Until the source's migration of `domid` has ended (sent or failed), for at most STOP_WAIT_MS. */
async function sourceStopped(source: AdminTarget, domid: number): Promise<void> {
  const giveUp = Date.now() + STOP_WAIT_MS;
  while (Date.now() < giveUp) {
    const state = (await sourceRecord(source, domid))?.state;
    if (state === undefined || state === "sent" || state === "failed") return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The source's record of the migration (undefined if it cannot say). */
async function sourceRecord(source: AdminTarget, domid: number): Promise<MigrationRecord | undefined> {
  return fetch(new URL(`/api/migrate/${domid}`, source.base), {
    headers: { authorization: `Bearer ${source.token}` },
  })
    .then((res) => (res.ok ? (res.json() as Promise<MigrationRecord>) : undefined))
    .catch(() => undefined);
}

/** One line a round, as the source counted them, then the total. */
export function migrationLines(result: MigrateResult): string[] {
  const lines = result.rounds.map((r) =>
    r.suspended
      ? `round ${r.round} (suspended at ${r.suspendedAtMs} ms): ${r.pages} pages, sent by ${r.atMs} ms`
      : `round ${r.round}: ${r.pages} pages, at ${r.atMs} ms`,
  );
  lines.push(`migrated ${result.bytes} bytes in ${result.ms} ms`);
  return lines;
}

/** The bar for a migration: round 0 against the domain's frames (as xl list saw them), later rounds by name. */
export function migrationProgress(p: TransferProgress, listedFrames: number): [number | undefined, string] {
  const rounds = p.source?.rounds ?? [];
  const sent = mib(p.bytes);
  if (rounds.length === 0) {
    const frames = p.source?.frames ?? listedFrames;
    return [
      frames > 0 ? p.bytes / (frames * PAGE_RECORD_BYTES) : undefined,
      `round 0: every frame, ${sent} sent`,
    ];
  }
  const last = rounds.at(-1) as MigrationRound;
  const what = last.suspended
    ? "suspended, last round sent"
    : `round ${last.round} done (${last.pages} pages)`;
  return [undefined, `${what}, ${sent} sent`];
}
