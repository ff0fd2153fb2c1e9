// blkfront: the guest's vbd driver. read/write/flush of 512-byte sectors become blkif requests
// on the shared ring — direct (≤ 11 segments) or indirect (segments in granted pages, up to the
// backend's `feature-max-indirect-segments`) — over pages from the PagePool. docs/blkif.md.
import type { XenDomain } from "@xenfs/libxen";
import {
  BLKIF_KEY,
  BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST,
  BLKIF_MAX_SEGMENTS_PER_REQUEST,
  BLKIF_OP,
  BLKIF_PAGE_SIZE,
  BLKIF_REQUEST_SEGMENT,
  BLKIF_RSP,
  BLKIF_SECTOR_SIZE,
  BLKIF_SECTORS_PER_PAGE,
  BLKIF_SEGS_PER_INDIRECT_FRAME,
  type BlkifRequest,
  type BlkifResponse,
  type BlkifSegment,
  blkifIndirectPages,
  blkifRingOfOrder,
  encodeIndirectSegments,
  VDISK,
  XEN_IO_PROTO_ABI_NATIVE,
} from "@xenfs/proto";
import { type BackendInfo, backendMaxRingPageOrder, type FrontendDriver, RingFront } from "@xenfs/xenbus";
import { BlkError } from "./errors.js";
import { PagePool } from "./page-pool.js";

export interface BlkfrontOptions {
  /** Largest ring, as a page order; default 0 (one page, 32 requests). */
  readonly maxRingPageOrder?: number;
  /** Use persistent grants when the backend offers them; default true. */
  readonly persistent?: boolean;
  /** Most segments in one indirect request (0: never indirect); default 256, capped by the backend. */
  readonly maxIndirectSegments?: number;
  /** Most pages granted at once; default 512 (2 MiB). */
  readonly maxPages?: number;
  /**
   * How long a request waits for a backend that went away (dom0 restarting) to come back before
   * failing ESHUTDOWN; default 30 s. Requests on the ring when it went are issued again.
   */
  readonly reconnectTimeoutMs?: number;
}

/** A request's backend went away before answering: it is issued again on the next one. */
class BackendGone extends Error {}

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: Error): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}

/** What the backend said about the disk. */
export interface VbdGeometry {
  readonly sectorSize: number;
  /** In 512-byte sectors. */
  readonly sectors: number;
  readonly readonly: boolean;
  readonly flush: boolean;
  readonly persistent: boolean;
  readonly maxIndirectSegments: number;
  readonly ringPages: number;
}

interface Pending {
  readonly request: BlkifRequest;
  readonly write: boolean;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

export class BlkfrontDriver implements FrontendDriver {
  readonly #pending = new Map<bigint, Pending>();
  /** Requests waiting for a free ring slot, in order. */
  #queue: bigint[] = [];
  #ring: RingFront<BlkifRequest, BlkifResponse> | undefined;
  #pool: PagePool | undefined;
  #geometry: VbdGeometry | undefined;
  #backendPath = "";
  #nextId = 1n;
  #connected = false;
  #closed = false;
  /** The first connection (or the backend's refusal). */
  readonly #ready = deferred();
  /** The current connection: resolved while connected, replaced when the backend goes. */
  #connection = deferred();
  /** Requests issued again after their backend went away. */
  reissued = 0;

  constructor(
    private readonly domain: XenDomain,
    private readonly options: BlkfrontOptions = {},
  ) {}

  /** Resolves once connected; rejects with the backend's `error` if it refused the device. */
  ready(): Promise<void> {
    return this.#ready.promise;
  }

  get geometry(): VbdGeometry {
    if (!this.#geometry) throw new BlkError("ENODEV", "vbd not connected");
    return this.#geometry;
  }

  /** The page pool, for its grant counters. */
  get pool(): PagePool | undefined {
    return this.#pool;
  }

  async initialise(backend: BackendInfo): Promise<Record<string, string>> {
    if (this.#closed) throw new BlkError("ESHUTDOWN", "vbd closed");
    const keys = backend.keys;
    const sectorSize = Number(keys[BLKIF_KEY.sectorSize] ?? BLKIF_SECTOR_SIZE);
    const sectors = Number(keys[BLKIF_KEY.sectors]);
    if (
      sectorSize < 512 ||
      !Number.isInteger(Math.log2(sectorSize)) ||
      !Number.isSafeInteger(sectors) ||
      sectors <= 0
    )
      throw new BlkError(
        "EINVAL",
        `backend ${backend.path}: sector-size ${keys[BLKIF_KEY.sectorSize]}, sectors ${keys[BLKIF_KEY.sectors]}`,
      );
    const persistent = (this.options.persistent ?? true) && keys[BLKIF_KEY.featurePersistent] === "1";
    const backendIndirect = Number(keys[BLKIF_KEY.featureMaxIndirectSegments] ?? 0) || 0;
    const maxIndirectSegments = Math.min(this.options.maxIndirectSegments ?? 256, backendIndirect);
    const order = Math.min(this.options.maxRingPageOrder ?? 0, backendMaxRingPageOrder(keys));
    const maxPages = this.options.maxPages ?? 512;
    await this.#ensureGrantEntries(maxPages + 2 ** order + 8);
    this.#pool = new PagePool(this.domain, backend.domid, persistent, maxPages);
    const ring = await RingFront.create(this.domain, backend.domid, blkifRingOfOrder(order));
    this.#ring = ring;
    this.#backendPath = backend.path;
    this.#geometry = {
      sectorSize,
      sectors,
      readonly: (Number(keys[BLKIF_KEY.info] ?? 0) & VDISK.READONLY) !== 0,
      flush: keys[BLKIF_KEY.featureFlushCache] === "1",
      persistent,
      maxIndirectSegments: Math.min(maxIndirectSegments, maxPages - BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST),
      ringPages: 2 ** order,
    };
    ring.onResponses(() => this.#takeResponses());
    return {
      ...ring.keys(),
      [BLKIF_KEY.featurePersistent]: persistent ? "1" : "0",
      [BLKIF_KEY.protocol]: XEN_IO_PROTO_ABI_NATIVE,
    };
  }

  connected(): void {
    this.#connected = true;
    this.#ready.resolve();
    this.#connection.resolve();
    this.#fillRing();
  }

  async disconnected(reason: string): Promise<void> {
    const wasConnected = this.#connected;
    this.#connected = false;
    if (!wasConnected) {
      const why = await this.domain.xs.read(`${this.#backendPath}/error`).catch(() => undefined);
      this.#ready.reject(new BlkError("ENODEV", `vbd refused by its backend: ${why ?? reason}`));
    }
    if (wasConnected) this.#connection = deferred();
    this.#failAll(new BackendGone(reason));
    const ring = this.#ring;
    const pool = this.#pool;
    this.#ring = undefined;
    this.#pool = undefined;
    await ring?.destroy();
    await pool?.close();
  }

  /** Fails what is in flight and every later call with ESHUTDOWN. */
  close(): void {
    this.#closed = true;
    const closed = new BlkError("ESHUTDOWN", "vbd closed");
    this.#ready.reject(closed);
    this.#connection.reject(closed);
    this.#failAll(closed);
  }

  /** Reads `count` sectors from `sector`. */
  async read(sector: number, count: number): Promise<Uint8Array> {
    const out = new Uint8Array(count * BLKIF_SECTOR_SIZE);
    await this.#transfer(BLKIF_OP.READ, sector, count, out);
    return out;
  }

  /** Writes `data` (whole sectors) at `sector`. */
  async write(sector: number, data: Uint8Array): Promise<void> {
    if (data.length % BLKIF_SECTOR_SIZE !== 0)
      throw new BlkError("EINVAL", `${data.length} bytes is not a whole number of sectors`);
    await this.#transfer(BLKIF_OP.WRITE, sector, data.length / BLKIF_SECTOR_SIZE, data);
  }

  /** FLUSH_DISKCACHE: what was written is on the backend's disk. */
  async flush(): Promise<void> {
    const geometry = this.geometry;
    if (!geometry.flush)
      throw new BlkError(geometry.readonly ? "EROFS" : "EOPNOTSUPP", "backend offers no flush");
    await this.#reissuing(() =>
      this.#submit(
        { operation: BLKIF_OP.FLUSH_DISKCACHE, handle: 0, id: this.#id(), sector_number: 0n, seg: [] },
        true,
      ),
    );
  }

  /** Splits the transfer into requests of at most one request's pages each, issued together. */
  async #transfer(op: 0 | 1, sector: number, count: number, buffer: Uint8Array): Promise<void> {
    const geometry = this.geometry;
    if (
      !Number.isSafeInteger(sector) ||
      !Number.isSafeInteger(count) ||
      sector < 0 ||
      count < 0 ||
      sector + count > geometry.sectors
    )
      throw new BlkError("EINVAL", `sectors ${sector}+${count} outside the disk's ${geometry.sectors}`);
    const maxSegs = Math.max(BLKIF_MAX_SEGMENTS_PER_REQUEST, geometry.maxIndirectSegments);
    const perRequest = maxSegs * BLKIF_SECTORS_PER_PAGE;
    const parts: Promise<void>[] = [];
    for (let done = 0; done < count; done += perRequest) {
      const n = Math.min(perRequest, count - done);
      const bytes = buffer.subarray(done * BLKIF_SECTOR_SIZE, (done + n) * BLKIF_SECTOR_SIZE);
      parts.push(this.#reissuing(() => this.#request(op, sector + done, n, bytes)));
    }
    const results = await Promise.allSettled(parts);
    const failed = results.find((r) => r.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }

  /** One READ or WRITE request (indirect when it needs more than 11 segments). */
  async #request(op: 0 | 1, sector: number, count: number, bytes: Uint8Array): Promise<void> {
    const pool = this.#pool;
    if (!pool || !this.#connected) throw new BackendGone("not connected");
    const nseg = Math.ceil(count / BLKIF_SECTORS_PER_PAGE);
    const indirect = nseg > BLKIF_MAX_SEGMENTS_PER_REQUEST;
    const nind = indirect ? blkifIndirectPages(nseg) : 0;
    const write = op === BLKIF_OP.WRITE;
    // Data and indirect pages in one take: two takes could each wait on the other's holders.
    const pages = await pool.take(nseg + nind, write);
    const data = pages.slice(0, nseg);
    const ind = pages.slice(nseg);
    try {
      const seg: BlkifSegment[] = data.map((page, i) => ({
        gref: page.gref,
        first_sect: 0,
        last_sect: Math.min(BLKIF_SECTORS_PER_PAGE, count - i * BLKIF_SECTORS_PER_PAGE) - 1,
      }));
      if (write) {
        for (const [i, page] of data.entries())
          await this.domain.memory.write(
            page.gpfn,
            0,
            bytes.subarray(i * BLKIF_PAGE_SIZE, (i + 1) * BLKIF_PAGE_SIZE),
          );
      }
      for (const [i, page] of ind.entries()) {
        const segs = seg.slice(i * BLKIF_SEGS_PER_INDIRECT_FRAME, (i + 1) * BLKIF_SEGS_PER_INDIRECT_FRAME);
        const buf = new Uint8Array(segs.length * BLKIF_REQUEST_SEGMENT.size);
        encodeIndirectSegments(segs, buf);
        await this.domain.memory.write(page.gpfn, 0, buf);
      }
      const id = this.#id();
      const request: BlkifRequest = indirect
        ? {
            operation: BLKIF_OP.INDIRECT,
            indirect_op: op,
            nr_segments: nseg,
            handle: 0,
            id,
            sector_number: BigInt(sector),
            indirect_grefs: ind.map((p) => p.gref),
          }
        : { operation: op, handle: 0, id, sector_number: BigInt(sector), seg };
      await this.#submit(request, write);
      if (!write) {
        for (const [i, page] of data.entries()) {
          const len = Math.min(BLKIF_PAGE_SIZE, bytes.length - i * BLKIF_PAGE_SIZE);
          bytes.set(await this.domain.memory.read(page.gpfn, 0, len), i * BLKIF_PAGE_SIZE);
        }
      }
    } finally {
      await pool.give(pages).catch(() => {});
    }
  }

  /**
   * Runs `issue` until a backend answers it: a request whose backend went (dom0 restarted) is
   * issued again, whole, once the next backend connects — reads and writes of the same sectors
   * with the same data are idempotent, as Linux blkfront's recovery relies on.
   */
  async #reissuing(issue: () => Promise<void>): Promise<void> {
    for (;;) {
      try {
        return await issue();
      } catch (error) {
        if (!(error instanceof BackendGone)) throw error;
        if (this.#closed) throw new BlkError("ESHUTDOWN", "vbd closed");
        await this.#waitConnected();
        this.reissued++;
      }
    }
  }

  async #waitConnected(): Promise<void> {
    const ms = this.options.reconnectTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new BlkError("ESHUTDOWN", `vbd backend gone for ${ms} ms`)), ms);
    });
    try {
      await Promise.race([this.#connection.promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  #id(): bigint {
    return this.#nextId++;
  }

  #submit(request: BlkifRequest, write: boolean): Promise<void> {
    if (this.#closed) return Promise.reject(new BlkError("ESHUTDOWN", "vbd closed"));
    // The backend went while this request was being made (its pages taken): nothing would fail
    // it from the queue, so it waits for the next backend, bounded, as one on the ring does.
    if (!this.#connected) return Promise.reject(new BackendGone("not connected"));
    return new Promise((resolve, reject) => {
      this.#pending.set(request.id, { request, write, resolve, reject });
      this.#queue.push(request.id);
      this.#fillRing();
    });
  }

  #fillRing(): void {
    const ring = this.#ring;
    if (!ring || !this.#connected) return;
    let produced = 0;
    let free = ring.ring.freeRequests();
    while (this.#queue.length > 0 && free > 0) {
      const id = this.#queue.shift() as bigint;
      const pending = this.#pending.get(id);
      if (!pending) continue;
      ring.ring.produceRequest(pending.request);
      produced++;
      free--;
    }
    if (produced > 0) ring.push().catch((error: Error) => this.domain.session.reportError(error));
  }

  #takeResponses(): void {
    const ring = this.#ring;
    if (!ring) return;
    for (let got = ring.ring.consumeResponse(); got; got = ring.ring.consumeResponse()) {
      const id = got.ok ? got.value.id : got.rawId === undefined ? undefined : BigInt(got.rawId);
      const pending = id === undefined ? undefined : this.#pending.get(id);
      if (id === undefined || !pending) continue;
      this.#pending.delete(id);
      if (!got.ok) pending.reject(new BlkError("EIO", `answer to request ${id} does not decode`));
      else if (got.value.status === BLKIF_RSP.OKAY) pending.resolve();
      else pending.reject(this.#errorOf(pending, got.value.status));
    }
    if (this.#queue.length > 0) this.#fillRing();
  }

  /** BLKIF_RSP_ERROR on a write to a read-only disk is EROFS, as Linux's block layer reports it. */
  #errorOf(pending: Pending, status: number): BlkError {
    const op = pending.request.operation;
    if (status === BLKIF_RSP.EOPNOTSUPP)
      return new BlkError("EOPNOTSUPP", `operation ${op} not supported`, status);
    if (pending.write && this.#geometry?.readonly)
      return new BlkError("EROFS", "write to a read-only vbd refused by the backend", status);
    return new BlkError("EIO", `backend answered operation ${op} with status ${status}`, status);
  }

  #failAll(error: Error): void {
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
    this.#queue = [];
  }

  /** Enough free grant entries for the pool and the ring: the table grows (it never shrinks). */
  async #ensureGrantEntries(needed: number): Promise<void> {
    const grants = this.domain.grants;
    if (grants.freeRefs >= needed) return;
    const entries = grants.nrEntries + needed - grants.freeRefs;
    await grants.setup(Math.ceil(entries / 512));
  }
}
