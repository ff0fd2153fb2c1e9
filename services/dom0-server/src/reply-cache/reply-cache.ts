// dom0's duplicate-request cache, as an NFS server keeps one: the answers to a guest's recent
// non-idempotent requests, so a request the frontend re-issues after a reconnect (its answer lost
// with the old connection or the old dom0) is answered as the first attempt was, not run again.
// Keyed by the guest's name (its domid may change when it rejoins), the generation of the
// connection the request was first sent on, and its ring id; a re-issue must also name the same
// op with the same arguments. Every reply is journalled durably before it is sent, so the cache
// survives dom0's own restart. Bounded per guest and in all.
import { FS_ERRNO, type FsErrnoName } from "@xenfs/fsproto";
import { Journal } from "./journal.js";

/** What a request was answered: success, or its errno. */
export type CachedOutcome = { readonly ok: true } | { readonly ok: false; readonly code: FsErrnoName };

export interface RequestKey {
  readonly guest: string;
  readonly gen: number;
  readonly id: number;
  /** The op and its arguments, as the request carried them. */
  readonly fingerprint: string;
}

export interface ReplyCacheLimits {
  /** Replies kept per guest: a ring's worth of requests in flight is what a reconnect re-issues. */
  readonly perGuest: number;
  /** Replies kept in all. */
  readonly total: number;
}

export const DEFAULT_REPLY_CACHE_LIMITS: ReplyCacheLimits = { perGuest: 128, total: 16_384 };

/** One journal line. */
interface JournalRecord {
  readonly g: string;
  readonly n: number;
  readonly i: number;
  readonly f: string;
  /** "" for success, else the errno; INTENT: about to run, not answered yet. */
  readonly e: string;
  /** An intent's note: the identity (dev:ino) of what the request acts on. */
  readonly w?: string;
}

/**
 * `e` of an intent: journalled before a rename, unlink or rmdir runs, and replaced by its answer.
 * A re-issue that finds only the intent knows the first attempt may have run: dom0 died between
 * the change and its answer (docs/design.md#reply-cache).
 */
const INTENT = "?";

/** What was noted before a request ran, for a re-issue to tell whether it took effect. */
export interface Intent {
  /** The identity (dev:ino) of the name it acted on, when there was one. */
  readonly identity: string | undefined;
}

function parseRecord(value: unknown): JournalRecord | undefined {
  const r = value as Partial<JournalRecord> | null;
  if (typeof r !== "object" || r === null) return undefined;
  if (typeof r.g !== "string" || typeof r.f !== "string" || typeof r.e !== "string") return undefined;
  if (!Number.isInteger(r.n) || !Number.isInteger(r.i)) return undefined;
  if (r.e !== "" && r.e !== INTENT && !Object.hasOwn(FS_ERRNO, r.e)) return undefined;
  if (r.w !== undefined && typeof r.w !== "string") return undefined;
  return r as JournalRecord;
}

const keyOf = (guest: string, gen: number, id: number) => `${guest}\0${gen}\0${id}`;

export class ReplyCache {
  /** Every record by key, oldest first. */
  readonly #records = new Map<string, JournalRecord>();
  /** Each guest's keys, oldest first. */
  readonly #byGuest = new Map<string, Set<string>>();

  private constructor(
    private readonly journal: Journal<JournalRecord>,
    private readonly limits: ReplyCacheLimits,
  ) {}

  /** The cache journalled at `path`, with what it held when dom0 last ran. */
  static async open(
    path: string,
    limits: ReplyCacheLimits = DEFAULT_REPLY_CACHE_LIMITS,
  ): Promise<ReplyCache> {
    const [journal, loaded] = await Journal.open(path, parseRecord);
    const cache = new ReplyCache(journal, limits);
    for (const record of loaded.records) cache.#remember(record);
    if (loaded.torn > 0 || journal.lines > cache.#records.size) await cache.#compact();
    return cache;
  }

  get size(): number {
    return this.#records.size;
  }

  /** The answer given to this request the first time, if it is remembered. */
  lookup(key: RequestKey): CachedOutcome | undefined {
    const record = this.#records.get(keyOf(key.guest, key.gen, key.id));
    if (!record || record.f !== key.fingerprint || record.e === INTENT) return undefined;
    return record.e === "" ? { ok: true } : { ok: false, code: record.e as FsErrnoName };
  }

  /** The intent noted before this request's first attempt ran, if that attempt was never answered. */
  intentOf(key: RequestKey): Intent | undefined {
    const record = this.#records.get(keyOf(key.guest, key.gen, key.id));
    if (!record || record.f !== key.fingerprint || record.e !== INTENT) return undefined;
    return { identity: record.w };
  }

  /** Notes that this request is about to run; resolves once the note is on disk. */
  async intend(key: RequestKey, identity: string | undefined): Promise<void> {
    const record: JournalRecord = {
      g: key.guest,
      n: key.gen,
      i: key.id,
      f: key.fingerprint,
      e: INTENT,
      ...(identity === undefined ? {} : { w: identity }),
    };
    this.#remember(record);
    await this.journal.append(record);
  }

  /** Remembers the answer; resolves once it is on disk (the reply may be sent then). */
  async record(key: RequestKey, outcome: CachedOutcome): Promise<void> {
    const record: JournalRecord = {
      g: key.guest,
      n: key.gen,
      i: key.id,
      f: key.fingerprint,
      e: outcome.ok ? "" : outcome.code,
    };
    this.#remember(record);
    await this.journal.append(record);
    if (this.journal.lines > 2 * this.#records.size + 1024) await this.#compact();
  }

  close(): Promise<void> {
    return this.journal.close();
  }

  #remember(record: JournalRecord): void {
    const key = keyOf(record.g, record.n, record.i);
    this.#forget(key);
    this.#records.set(key, record);
    let keys = this.#byGuest.get(record.g);
    if (!keys) {
      keys = new Set();
      this.#byGuest.set(record.g, keys);
    }
    keys.add(key);
    if (keys.size > this.limits.perGuest) this.#forget(keys.values().next().value as string);
    if (this.#records.size > this.limits.total) this.#forget(this.#records.keys().next().value as string);
  }

  #forget(key: string): void {
    const record = this.#records.get(key);
    if (!record) return;
    this.#records.delete(key);
    const keys = this.#byGuest.get(record.g);
    keys?.delete(key);
    if (keys?.size === 0) this.#byGuest.delete(record.g);
  }

  #compact(): Promise<void> {
    return this.journal.compact([...this.#records.values()]);
  }
}
