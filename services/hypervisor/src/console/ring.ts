// The hypervisor's console ring (Xen's conring): the last lines it printed, bounded in bytes, for
// `xl dmesg`. Lines carry Xen's "(XEN) " prefix and a boot-relative timestamp
// (console_timestamps=boot); the oldest go first when the ring is full.

/** Xen's default conring is 16 KiB; a little more here, since log lines carry their fields. */
export const CONRING_BYTES = 64 * 1024;

export class ConsoleRing {
  readonly #lines: string[] = [];
  #bytes = 0;
  readonly #boot = performance.now();

  constructor(readonly capacity: number = CONRING_BYTES) {}

  /** Appends one printk (several lines if it has newlines). */
  print(text: string): void {
    const seconds = (performance.now() - this.#boot) / 1000;
    const stamp = `[${seconds.toFixed(6).padStart(12)}]`;
    for (const line of text.split("\n")) this.#push(`(XEN) ${stamp} ${line}`);
  }

  /** Every line held, oldest first. */
  read(): string[] {
    return [...this.#lines];
  }

  /** `xl dmesg -c`: read, then empty the ring. */
  clear(): void {
    this.#lines.length = 0;
    this.#bytes = 0;
  }

  #push(line: string): void {
    const size = line.length + 1;
    if (size > this.capacity) return; // one line larger than the ring: Xen would truncate it
    this.#lines.push(line);
    this.#bytes += size;
    while (this.#bytes > this.capacity) this.#bytes -= (this.#lines.shift()?.length ?? 0) + 1;
  }
}
