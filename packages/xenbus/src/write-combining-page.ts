// A ring page that gathers consecutive writes into one: a batch of slots filled back to back
// reaches the peer as one mem_write (one hypercall, one frame update) instead of one per slot,
// as a CPU's write-combining buffer merges stores to adjacent addresses.
//
// Order is kept: a write that does not continue the gathered run sends the run first, and so
// does every read (a read may look at bytes still gathered) and the barrier.
import type { FramePage, Memory } from "@xenfs/libxen";
import type { RingPage } from "@xenfs/ring";

/** Gathered bytes beyond this go out at once: one slot run of a page is at most this. */
const RUN_LIMIT = 4096;

export class WriteCombiningPage implements RingPage {
  readonly size: number;
  #run = new Uint8Array(RUN_LIMIT);
  #runOffset = 0;
  #runLength = 0;

  constructor(
    readonly frame: FramePage,
    private readonly memory: Memory,
  ) {
    this.size = frame.size;
  }

  read(offset: number, length: number): Uint8Array {
    this.emit();
    return this.frame.read(offset, length);
  }

  readU32(offset: number): number {
    this.emit();
    return this.frame.readU32(offset);
  }

  write(offset: number, data: Uint8Array): void {
    if (this.#runLength > 0 && offset !== this.#runOffset + this.#runLength) this.emit();
    if (this.#runLength + data.length > RUN_LIMIT) {
      this.emit();
      this.frame.write(offset, data);
      return;
    }
    if (this.#runLength === 0) this.#runOffset = offset;
    this.#run.set(data, this.#runLength);
    this.#runLength += data.length;
  }

  writeU32(offset: number, value: number): void {
    this.emit();
    this.frame.writeU32(offset, value);
  }

  /** Sends the gathered run, if any (the frame applies it locally at once). */
  emit(): void {
    if (this.#runLength === 0) return;
    const run = this.#run.subarray(0, this.#runLength);
    this.#runLength = 0;
    this.frame.write(this.#runOffset, run);
  }

  /** mb(): every write so far has reached the hypervisor, and so every copy of the frame. */
  async barrier(): Promise<void> {
    this.emit();
    await this.memory.flush();
  }
}
