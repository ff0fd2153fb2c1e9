// memory.h and the loads/stores of a domain process, on one of two transports. shm: the frames
// the domain owns or maps are read and written in place in the host's memory file, at the
// machine frame each reply named; a frame the domain does not hold is refused here (EFAULT)
// and nothing is copied. socket: loads and stores go through the hypervisor, over coherent
// local copies of the frames the domain reads (kept current by frame_update upcalls).
// Copy-to-write pages (docs/design.md#copy-to-write): on socket a write faults inside the
// hypervisor; on shm the first write to such a page calls mem_copy_to_write, then writes the
// private frame the reply names in place.
import { XEN_PAGE_SIZE } from "@xenfs/proto";
import { type AtomicWidth, checkAtomic, decodeWord, encodeWord, wrappingAdd } from "./atomic.js";
import { XenError } from "./errors.js";
import { FrameCache, type FrameCopy } from "./frame-cache.js";
import { FramePage } from "./frame-page.js";
import { checkGpfn, checkRange } from "./range.js";
import type { XenSession } from "./session.js";
import { type MemoryPlace, type MemoryTransport, SharedMemory } from "./shared-memory.js";
import { ShmFrame } from "./shm-frame.js";
import type { Reply } from "./wire.js";

const NO_BYTES = new Uint8Array(0);

/** The hypervisor's copy_to_write upcall: the page at `gpfn` is now this domain's frame `mfn`. */

/** Frames one mem_translate rebinds after an attach (the hypervisor takes up to 4,096). */
const REBIND_BATCH = 1024;
export interface CopyToWriteFault {
  readonly gpfn: number;
  readonly mfn: number;
  /** The grant mapping it came from (granter, ref, handle); `shared` for a mem_sharing page. */
  readonly dom: number;
  readonly ref: number;
  readonly handle: number;
  readonly shared: boolean;
}

export class Memory {
  readonly #cache = new FrameCache();
  readonly #fetches = new Map<number, Promise<FrameCopy>>();
  /** Frames mapped from a read-only grant: writes are refused here, as the MMU would. */
  readonly #readonly = new Set<number>();
  /** The last fire-and-forget write; replies come in order, so its settling means all have. */
  #lastQueued: Promise<void> = Promise.resolve();
  /** A fire-and-forget write's failure, thrown by the next awaited call. */
  #deferred: Error | undefined;
  /** shm: the frames this domain owns or maps, by gpfn, each at its machine frame. */
  readonly #frames = new Map<number, ShmFrame>();
  readonly #translations = new Map<number, Promise<ShmFrame>>();
  /** Pages that are copy-to-write: writable, through the fault. */
  readonly #copyToWrite = new Set<number>();
  /** shm: faults asked for and not answered yet, by gpfn. */
  readonly #faults = new Map<number, Promise<void>>();
  readonly #faultListeners = new Set<(fault: CopyToWriteFault) => void>();
  #faultCount = 0;

  #shm: SharedMemory | undefined;
  /** Suspended: in-place access waits until the frames are rebound after an attach. */
  #gate: { promise: Promise<void>; release: () => void } | undefined;

  constructor(
    private readonly session: XenSession,
    shm?: SharedMemory,
  ) {
    this.#shm = shm;
    session.setAttachTransport(() => (this.#shm ? "shm" : "socket"));
    session.onUpcall("frameUpdate", (u) =>
      this.#cache.applyUpdate(u.gpfn ?? 0, u.offset ?? 0, u.data ?? NO_BYTES),
    );
    session.onUpcall("frameInvalidate", (u) => this.drop(u.gpfn ?? 0));
    session.onUpcall("copyToWrite", (u) =>
      this.#onFault({
        gpfn: u.gpfn ?? 0,
        mfn: u.mfn ?? 0,
        dom: u.dom ?? 0,
        ref: u.ref ?? 0,
        handle: u.handle ?? 0,
        shared: u.shared ?? false,
      }),
    );
  }

  /** Copy-To-Write faults this domain has been told of (one per page it first wrote). */
  get copyToWriteFaults(): number {
    return this.#faultCount;
  }

  /** Called with every copy_to_write upcall (to log or count); returns the unsubscribe. */
  onCopyToWrite(listener: (fault: CopyToWriteFault) => void): () => void {
    this.#faultListeners.add(listener);
    return () => this.#faultListeners.delete(listener);
  }

  /**
   * Whether a write to `gpfn` would take the Copy-To-Write fault, as far as this domain was told:
   * a grant it mapped copy-to-write, or (shm) a page mem_translate said is. A socket domain is not
   * told of pages shared by mem_sharing: its writes go through the hypervisor, which faults.
   */
  isCopyToWrite(gpfn: number): boolean {
    return this.#copyToWrite.has(gpfn) || this.#frames.get(gpfn)?.copyToWrite === true;
  }

  get transport(): MemoryTransport {
    return this.#shm ? "shm" : "socket";
  }

  /** XENMEM_populate_physmap: `count` new frames of this domain's reservation. */
  async populatePhysmap(count: number): Promise<number[]> {
    if (!Number.isInteger(count) || count < 1)
      throw XenError.errno("EINVAL", "populate_physmap", `count ${count}`);
    this.#takeDeferred();
    const reply = await this.session.call(
      { populatePhysmap: { nrExtents: count } },
      { onReply: (r) => this.noteFrames(r.populatePhysmap?.gpfns ?? [], r.populatePhysmap?.mfns ?? []) },
    );
    return reply.populatePhysmap?.gpfns ?? [];
  }

  /** XENMEM_decrease_reservation: gives frames back; returns how many went. */
  async decreaseReservation(gpfns: readonly number[]): Promise<number> {
    for (const gpfn of gpfns) checkGpfn("decrease_reservation", gpfn);
    this.#takeDeferred();
    // shm: let go before the hypervisor may hand them to someone else.
    if (this.#shm) for (const gpfn of gpfns) this.drop(gpfn);
    const reply = await this.session.call(
      { decreaseReservation: { gpfns: [...gpfns] } },
      {
        onReply: (r) => {
          if (!r.status) for (const gpfn of gpfns) this.drop(gpfn);
        },
      },
    );
    return reply.decreaseReservation?.nrDone ?? 0;
  }

  /** Bytes of a frame: from the local copy when held, else fetched once and kept coherent. */
  async read(gpfn: number, offset: number, length: number): Promise<Uint8Array> {
    checkGpfn("mem_read", gpfn);
    checkRange("mem_read", offset, length);
    this.#takeDeferred();
    if (this.#gate) await this.#gate.promise;
    if (this.#shm) {
      // Read now, not after a microtask: what the caller sees is memory at the call.
      const held = this.#frames.get(gpfn);
      return (held ?? (await this.#shmFrame(gpfn))).read(offset, length);
    }
    return (await this.#held(gpfn)).read(offset, length);
  }

  /**
   * Copies bytes of a frame the domain already holds into `target` at `at`, synchronously; false
   * (and nothing copied) when the frame is not held, so the caller takes the asynchronous read().
   */
  readHeld(gpfn: number, offset: number, length: number, target: Uint8Array, at: number): boolean {
    if (this.#gate) return false;
    if (this.#shm) {
      const frame = this.#frames.get(gpfn);
      frame?.readInto(offset, length, target, at);
      return frame !== undefined;
    }
    const copy = this.#cache.get(gpfn);
    if (!copy?.loaded || !copy.valid) return false;
    copy.readInto(offset, length, target, at);
    return true;
  }

  /**
   * Copies `length` bytes starting at `offset` of the first of `gpfns` (a span crossing frames)
   * into `target`; frames that sit at consecutive machine frames are read with one positioned
   * read. shm only; false (nothing copied) when a frame is not held or the transport is socket.
   */
  readHeldSpan(
    gpfns: readonly number[],
    offset: number,
    length: number,
    target: Uint8Array,
    at: number,
  ): boolean {
    const shm = this.#shm;
    if (!shm || this.#gate) return false;
    const frames: ShmFrame[] = [];
    for (const gpfn of gpfns) {
      const frame = this.#frames.get(gpfn);
      if (!frame) return false;
      frames.push(frame);
    }
    if (offset < 0 || length < 0 || offset + length > frames.length * XEN_PAGE_SIZE)
      throw XenError.errno("EINVAL", "mem_read", `span ${offset}+${length} leaves ${frames.length} frames`);
    let done = 0;
    let i = Math.floor(offset / XEN_PAGE_SIZE);
    let inFrame = offset % XEN_PAGE_SIZE;
    while (done < length) {
      let run = 1;
      while (i + run < frames.length && frames[i + run]!.mfn === frames[i]!.mfn + run) run++;
      const n = Math.min(length - done, run * XEN_PAGE_SIZE - inFrame);
      shm.readRun(frames[i]!.mfn, inFrame, n, target, at + done);
      done += n;
      i += run;
      inFrame = 0;
    }
    return true;
  }

  /**
   * Writes `data` across frames from the start of `gpfns[0]` (frame i gets bytes [i×4096, …)).
   * shm: one positioned write per run of frames at consecutive machine frames; socket: one
   * mem_write per frame, issued together. A fill of fresh frames is one call.
   */
  async writeSpan(gpfns: readonly number[], data: Uint8Array): Promise<void> {
    if (data.length > gpfns.length * XEN_PAGE_SIZE)
      throw XenError.errno("EINVAL", "mem_write", `${data.length} bytes leave ${gpfns.length} frames`);
    for (const gpfn of gpfns) checkGpfn("mem_write", gpfn);
    this.#takeDeferred();
    if (this.#gate) await this.#gate.promise;
    const shm = this.#shm;
    if (!shm) {
      const pages = Math.ceil(data.length / XEN_PAGE_SIZE);
      const writes = gpfns
        .slice(0, pages)
        .map((gpfn, i) =>
          this.#issueWrite(gpfn, 0, data.subarray(i * XEN_PAGE_SIZE, (i + 1) * XEN_PAGE_SIZE)),
        );
      await Promise.all(writes);
      return;
    }
    // Frames held are written now (before an event sent next); others are looked up first.
    const known = gpfns.map((gpfn) => this.#frames.get(gpfn));
    let frames = known.every((frame) => frame !== undefined)
      ? known
      : await Promise.all(gpfns.map((gpfn) => this.#shmFrame(gpfn)));
    const faulting = frames.filter((frame) => frame.copyToWrite).map((frame) => frame.gpfn);
    if (faulting.length > 0) {
      await this.#fault(faulting);
      frames = await Promise.all(gpfns.map((gpfn) => this.#shmFrame(gpfn)));
    }
    const readonly = frames.find((frame) => frame.readonly);
    if (readonly) throw XenError.errno("EACCES", "mem_write", `frame ${readonly.gpfn} is mapped read-only`);
    let i = 0;
    while (i * XEN_PAGE_SIZE < data.length) {
      let run = 1;
      while (i + run < frames.length && frames[i + run]!.mfn === frames[i]!.mfn + run) run++;
      for (let k = i; k < i + run; k++) frames[k]!.check("mem_write");
      shm.write(frames[i]!.mfn, 0, data.subarray(i * XEN_PAGE_SIZE, (i + run) * XEN_PAGE_SIZE));
      i += run;
    }
  }

  /**
   * Writes bytes into a frame. On shm a held frame is written before this returns (not in a
   * later microtask), so an event sent next is sent after the write: Xen's write, then notify.
   */
  async write(gpfn: number, offset: number, data: Uint8Array): Promise<void> {
    this.#takeDeferred();
    if (this.#gate) await this.#gate.promise;
    if (this.#shm) {
      checkGpfn("mem_write", gpfn);
      checkRange("mem_write", offset, data.length);
      const held = this.#frames.get(gpfn);
      if (held && !held.copyToWrite) held.write(offset, data);
      else (await this.#writableShmFrame(gpfn)).write(offset, data);
      return;
    }
    await this.#issueWrite(gpfn, offset, data);
  }

  /** Atomic compare-and-exchange of a little-endian word; returns the old value. */
  async cmpxchg(
    gpfn: number,
    offset: number,
    width: AtomicWidth,
    expected: bigint,
    desired: bigint,
  ): Promise<bigint> {
    this.#checkWritable("mem_cmpxchg", gpfn);
    checkAtomic("mem_cmpxchg", offset, width, expected, desired);
    this.#takeDeferred();
    await this.#faultBeforeAtomic(gpfn);
    const desiredBytes = encodeWord(desired, width);
    const call = { gpfn, offset, width, operand: encodeWord(expected, width), desired: desiredBytes };
    const reply = await this.session.call(
      { memCmpxchg: call },
      {
        onReply: (r) =>
          this.#applyAtomic(r, gpfn, offset, width, (old) => (old === expected ? desired : old)),
      },
    );
    return decodeWord(reply.memAtomic?.old ?? NO_BYTES, width);
  }

  /** Atomic add to a little-endian word (wrapping); returns the old value. */
  async add(gpfn: number, offset: number, width: AtomicWidth, addend: bigint): Promise<bigint> {
    this.#checkWritable("mem_add", gpfn);
    checkAtomic("mem_add", offset, width, addend);
    this.#takeDeferred();
    await this.#faultBeforeAtomic(gpfn);
    const reply = await this.session.call(
      { memAdd: { gpfn, offset, width, operand: encodeWord(addend, width) } },
      { onReply: (r) => this.#applyAtomic(r, gpfn, offset, width, (old) => wrappingAdd(old, addend, width)) },
    );
    return decodeWord(reply.memAtomic?.old ?? NO_BYTES, width);
  }

  /** Stops keeping copies of these frames (and receiving their updates). */
  async forget(gpfns: readonly number[]): Promise<void> {
    for (const gpfn of gpfns) checkGpfn("mem_forget", gpfn);
    this.#takeDeferred();
    if (this.#shm) return; // no copies on shm: nothing to forget
    for (const gpfn of gpfns) this.#cache.drop(gpfn);
    await this.session.call({ memForget: { gpfns: [...gpfns] } });
  }

  /**
   * A synchronous view of a frame the domain holds; fetches it once. `write`: it will be written,
   * so a copy-to-write page takes the fault first (on shm; on socket its writes fault in Xen).
   */
  async page(gpfn: number, options: { write?: boolean } = {}): Promise<FramePage> {
    checkGpfn("mem_read", gpfn);
    this.#takeDeferred();
    if (this.#shm) {
      // A synchronous view cannot take the fault on its first store: `write` takes it now.
      const frame = options.write ? await this.#writableShmFrame(gpfn) : await this.#shmFrame(gpfn);
      return new FramePage(gpfn, frame, (_, offset, data) => frame.write(offset, data));
    }
    const copy = await this.#held(gpfn);
    return new FramePage(gpfn, copy, (g, offset, data) => this.#queueWrite(g, offset, data));
  }

  /** Waits until every write queued by a FramePage is answered; throws the first refusal. */
  async flush(): Promise<void> {
    await this.#lastQueued;
    this.#takeDeferred();
  }

  /** Refetches a held frame that was written behind the copy's back (a grant copy into it). */
  async refresh(gpfn: number): Promise<void> {
    checkGpfn("mem_read", gpfn);
    const copy = this.#cache.get(gpfn);
    if (!copy) return; // shm never has one: the frame itself is read
    await this.session.call(
      { memRead: { gpfn, offset: 0, length: XEN_PAGE_SIZE, cache: true } },
      {
        onReply: (r) => {
          if (!r.status) copy.load(r.memRead?.data ?? NO_BYTES);
        },
      },
    );
  }

  /** Whether the frame is readable at once: held in place (shm) or as a coherent copy (socket). */
  holds(gpfn: number): boolean {
    if (this.#shm) return this.#frames.has(gpfn);
    return this.#cache.get(gpfn)?.loaded === true;
  }

  /**
   * A grant mapping put machine frame `mfn` at `gpfn`; read-only ones refuse local writes, and
   * copy-to-write ones are written through the fault.
   */
  noteMapped(gpfn: number, readonly: boolean, mfn?: number, copyToWrite = false): void {
    if (readonly && !copyToWrite) this.#readonly.add(gpfn);
    else this.#readonly.delete(gpfn);
    if (copyToWrite) this.#copyToWrite.add(gpfn);
    else this.#copyToWrite.delete(gpfn);
    if (mfn !== undefined) this.#learn(gpfn, mfn, readonly || copyToWrite, copyToWrite);
  }

  /** Own frames and the machine frames behind them, as populate_physmap or setup_table named them. */
  noteFrames(gpfns: readonly number[], mfns: readonly number[]): void {
    if (!this.#shm || mfns.length !== gpfns.length) return;
    for (const [i, gpfn] of gpfns.entries()) this.#learn(gpfn, mfns[i]!, false);
  }

  /** The frame left this domain's p2m (unmapped, transferred, freed, invalidated). */
  drop(gpfn: number): void {
    this.#readonly.delete(gpfn);
    this.#copyToWrite.delete(gpfn);
    this.#cache.drop(gpfn);
    this.#frames.get(gpfn)?.invalidate();
    this.#frames.delete(gpfn);
  }

  /**
   * After an attach to a restored domain: the same pfns with the same bytes, at new machine
   * frames. shm: the memory file is opened again if it is another one (another host), the
   * hypervisor told the domain is on shm, and every frame held is rebound to its new mfn (a
   * frame no longer there, such as a grant mapping, is dropped). socket: every copy is fetched
   * again, which also registers it for updates with the new hypervisor.
   */
  async reattach(place: MemoryPlace | undefined): Promise<void> {
    try {
      await this.#rebind(place);
    } finally {
      this.#gate?.release();
      this.#gate = undefined;
    }
  }

  /**
   * The domain is about to suspend: reads and writes in place wait from now until reattach()
   * (the frames behind them are about to be copied, then freed). Writes through a FramePage
   * are not held: rings are quiet by then (frontends disconnect before a suspend).
   */
  hold(): void {
    if (this.#gate) return;
    let release = () => {};
    const promise = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.#gate = { promise, release };
  }

  /** In-place access goes on (after a Remus checkpoint, or a dropped connection that resumed). */
  release(): void {
    this.#gate?.release();
    this.#gate = undefined;
  }

  async #rebind(place: MemoryPlace | undefined): Promise<void> {
    let shm = this.#shm;
    if (!shm) {
      await Promise.all(this.#cache.gpfns().map((gpfn) => this.refresh(gpfn).catch(() => this.drop(gpfn))));
      return;
    }
    if (!place)
      throw XenError.errno("EFAULT", "memory", "the restored domain's hypervisor named no memory file");
    if (place.path !== shm.place.path || place.ino !== shm.place.ino) {
      shm.close();
      shm = SharedMemory.open(place);
      this.#shm = shm;
    }
    // The attach's answer says where its own frames are now (and the attach set the transport);
    // only the others — foreign, read-only, copy-to-write — are asked about (docs/migration.md#attach).
    const known = this.session.takeAttachedFrames();
    if (known === undefined) await this.session.call({ memTransport: { transport: "shm" } });
    const gpfns: number[] = [];
    for (const [gpfn, frame] of this.#frames) {
      const mfn = known?.get(gpfn);
      if (mfn !== undefined && !frame.readonly && !frame.copyToWrite) frame.rebind(mfn, shm);
      else gpfns.push(gpfn);
    }
    // A call per REBIND_BATCH frames, issued together: the guest's downtime after a move grows
    // with its frames. A batch that fails (a frame of it gone) is asked again a frame at a time,
    // so a frame gone fails alone.
    const batches: number[][] = [];
    for (let i = 0; i < gpfns.length; i += REBIND_BATCH) batches.push(gpfns.slice(i, i + REBIND_BATCH));
    const rebind = async (batch: number[]): Promise<boolean> => {
      const mfns = (await this.session.call({ memTranslate: { gpfns: batch } }).catch(() => undefined))
        ?.memTranslate?.mfns;
      if (mfns?.length !== batch.length) return false;
      for (const [i, gpfn] of batch.entries()) this.#frames.get(gpfn)?.rebind(mfns[i] as number, shm);
      return true;
    };
    await Promise.all(
      batches.map(async (batch) => {
        if (batch.length > 1 && (await rebind(batch))) return;
        await Promise.all(
          batch.map(async (gpfn) => {
            if (!(await rebind([gpfn]))) this.drop(gpfn);
          }),
        );
      }),
    );
  }

  /** The session ended: no frame is this domain's any more. */
  close(): void {
    for (const frame of this.#frames.values()) frame.invalidate();
    this.#frames.clear();
    this.#shm?.close();
  }

  #learn(gpfn: number, mfn: number, readonly: boolean, copyToWrite = false): void {
    const shm = this.#shm;
    if (!shm) return;
    const known = this.#frames.get(gpfn);
    if (known?.mfn === mfn && known.readonly === readonly && known.copyToWrite === copyToWrite) return;
    known?.invalidate();
    this.#frames.set(gpfn, new ShmFrame(gpfn, mfn, readonly, shm, copyToWrite));
  }

  /** shm: the frame at `gpfn`, writable: a copy-to-write page takes the fault first. */
  async #writableShmFrame(gpfn: number): Promise<ShmFrame> {
    const frame = await this.#shmFrame(gpfn);
    if (!frame.copyToWrite) return frame;
    await this.#fault([gpfn]);
    return this.#shmFrame(gpfn);
  }

  /** shm: atomics run in the hypervisor, which would fault; fault first so the new mfn is known. */
  async #faultBeforeAtomic(gpfn: number): Promise<void> {
    if (!this.#shm) return;
    const frame = this.#frames.get(gpfn) ?? (await this.#shmFrame(gpfn));
    if (frame.copyToWrite) await this.#fault([gpfn]);
  }

  /** shm: mem_copy_to_write for these pages (once per page, however many writers wait on it). */
  #fault(gpfns: readonly number[]): Promise<void> {
    const asked = gpfns.filter((gpfn) => !this.#faults.has(gpfn));
    if (asked.length > 0) {
      const call = this.session
        .call(
          { memCopyToWrite: { gpfns: [...asked] } },
          {
            onReply: (r) => {
              const mfns = r.memCopyToWrite?.mfns ?? [];
              if (r.status || mfns.length !== asked.length) return;
              asked.forEach((gpfn, i) => {
                this.#copyToWrite.delete(gpfn);
                this.#learn(gpfn, mfns[i]!, false);
              });
            },
          },
        )
        .then(() => undefined)
        .finally(() => {
          for (const gpfn of asked) if (this.#faults.get(gpfn) === call) this.#faults.delete(gpfn);
        });
      for (const gpfn of asked) this.#faults.set(gpfn, call);
    }
    return Promise.all(gpfns.map((gpfn) => this.#faults.get(gpfn))).then(() => undefined);
  }

  #onFault(fault: CopyToWriteFault): void {
    this.#faultCount++;
    this.#copyToWrite.delete(fault.gpfn);
    this.#readonly.delete(fault.gpfn);
    // shm: the reply to mem_copy_to_write (or to the atomic) has taught the frame already, or
    // this teaches it; a socket copy stays (same bytes, and the write is applied on its reply).
    this.#learn(fault.gpfn, fault.mfn, false);
    for (const listener of this.#faultListeners) listener(fault);
  }

  /**
   * shm: the frame at `gpfn`. One the domain was not told of (a frame transferred to it) is
   * asked for once with mem_translate; the hypervisor refuses a gpfn the domain does not hold.
   */
  #shmFrame(gpfn: number): Promise<ShmFrame> {
    const known = this.#frames.get(gpfn);
    if (known) return Promise.resolve(known);
    let translation = this.#translations.get(gpfn);
    if (!translation) {
      translation = this.session
        .call(
          { memTranslate: { gpfns: [gpfn] } },
          {
            onReply: (r) => {
              const mfn = r.memTranslate?.mfns?.[0];
              if (!r.status && mfn !== undefined)
                this.#learn(
                  gpfn,
                  mfn,
                  r.memTranslate?.readonly?.[0] ?? false,
                  r.memTranslate?.copyToWrite?.[0] ?? false,
                );
            },
          },
        )
        .then(() => {
          const frame = this.#frames.get(gpfn);
          if (!frame) throw XenError.errno("EFAULT", "mem_translate", `frame ${gpfn} is not this domain's`);
          return frame;
        })
        .finally(() => this.#translations.delete(gpfn));
      this.#translations.set(gpfn, translation);
    }
    return translation;
  }

  #held(gpfn: number): Promise<FrameCopy> {
    const copy = this.#cache.get(gpfn);
    if (copy?.loaded) return Promise.resolve(copy);
    const inflight = this.#fetches.get(gpfn);
    if (inflight) return inflight;
    const tracked = this.#cache.track(gpfn);
    const fetch = this.session
      .call(
        { memRead: { gpfn, offset: 0, length: XEN_PAGE_SIZE, cache: true } },
        {
          onReply: (r) =>
            r.status ? this.#cache.drop(gpfn, tracked) : tracked.load(r.memRead?.data ?? NO_BYTES),
          onFail: () => this.#cache.drop(gpfn, tracked),
        },
      )
      .then(() => tracked)
      .finally(() => this.#fetches.delete(gpfn));
    this.#fetches.set(gpfn, fetch);
    return fetch;
  }

  #issueWrite(gpfn: number, offset: number, data: Uint8Array): Promise<Reply> {
    this.#checkWritable("mem_write", gpfn);
    checkRange("mem_write", offset, data.length);
    // Copied now: the caller may reuse its buffer before the frame leaves.
    const bytes = data.slice();
    const copy = this.#cache.get(gpfn);
    const pending = copy?.beginWrite(offset, bytes);
    const hooks =
      copy && pending
        ? {
            onReply: (r: Reply) => (r.status ? copy.discardWrite(pending) : copy.commitWrite(pending)),
            onFail: () => copy.discardWrite(pending),
          }
        : undefined;
    return this.session.call({ memWrite: { gpfn, offset, data: bytes } }, hooks);
  }

  #queueWrite(gpfn: number, offset: number, data: Uint8Array): void {
    const done = this.#issueWrite(gpfn, offset, data);
    this.#lastQueued = done.then(
      () => undefined,
      (error: Error) => {
        this.#deferred ??= error;
        this.session.reportError(error);
      },
    );
  }

  #applyAtomic(
    reply: Reply,
    gpfn: number,
    offset: number,
    width: AtomicWidth,
    next: (old: bigint) => bigint,
  ): void {
    const old = reply.memAtomic?.old;
    if (reply.status || old?.length !== width) return;
    this.#cache.get(gpfn)?.applyOwn(offset, encodeWord(next(decodeWord(old, width)), width));
  }

  #checkWritable(op: string, gpfn: number): void {
    checkGpfn(op, gpfn);
    if (this.isCopyToWrite(gpfn)) return;
    if (this.#readonly.has(gpfn) || this.#frames.get(gpfn)?.readonly)
      throw XenError.errno("EACCES", op, `frame ${gpfn} is mapped read-only`);
  }

  #takeDeferred(): void {
    const error = this.#deferred;
    this.#deferred = undefined;
    if (error) throw error;
  }
}
