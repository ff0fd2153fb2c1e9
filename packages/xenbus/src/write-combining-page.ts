// A ring page that gathers consecutive writes into one: a batch of slots filled back to back
// reaches the peer as one mem_write per frame (one hypercall, one frame update) instead of one
// per slot, as a CPU's write-combining buffer merges stores to adjacent addresses.
//
// Order is kept: a write that does not continue the gathered run sends the run first, and so
// does every read (a read may look at bytes still gathered) and the barrier.
import type { RingPage } from "@xenfs/ring";

/** What the barrier needs: libxen's Memory resolves flush() once every queued write is answered. */
export interface WriteFlusher {
  flush(): Promise<void>;
}

export class WriteCombiningPage implements RingPage {
  readonly size: number;
  /** Gathered bytes; a run is at most the page (a whole multi-page ring's entries). */
  readonly #run: Uint8Array;
  #runOffset = 0;
  #runLength = 0;

  /** `page`: a libxen FramePage, or a PageSpan of them for a multi-page ring. */
  constructor(
    readonly page: RingPage,
    private readonly memory: WriteFlusher,
  ) {
    this.size = page.size;
    this.#run = new Uint8Array(page.size);
  }

  read(offset: number, length: number): Uint8Array {
    this.emit();
    return this.page.read(offset, length);
  }

  readU32(offset: number): number {
    this.emit();
    return this.page.readU32(offset);
  }

  write(offset: number, data: Uint8Array): void {
    if (this.#runLength > 0 && offset !== this.#runOffset + this.#runLength) this.emit();
    if (this.#runLength + data.length > this.#run.length) {
      this.emit();
      this.page.write(offset, data);
      return;
    }
    if (this.#runLength === 0) this.#runOffset = offset;
    this.#run.set(data, this.#runLength);
    this.#runLength += data.length;
  }

  writeU32(offset: number, value: number): void {
    this.emit();
    this.page.writeU32(offset, value);
  }

  /** Sends the gathered run, if any (split per frame by a PageSpan; applied locally at once). */
  emit(): void {
    if (this.#runLength === 0) return;
    const run = this.#run.subarray(0, this.#runLength);
    this.#runLength = 0;
    this.page.write(this.#runOffset, run);
  }

  /** mb(): every write so far has reached the hypervisor, and so every copy of the frame. */
  async barrier(): Promise<void> {
    this.emit();
    await this.memory.flush();
  }
}
