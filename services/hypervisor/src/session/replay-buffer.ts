// The frames a session sent, kept so a domain that reconnects within its lease gets every frame
// after the last one it saw. Bounded by count and bytes; the domain's acks trim it.

export interface ReplayLimits {
  readonly maxFrames: number;
  readonly maxBytes: number;
}

export class ReplayBuffer {
  private readonly frames: { seq: number; bytes: Uint8Array }[] = [];
  private bytes = 0;
  /** Highest seq no longer held (acked or evicted). */
  private droppedThrough = 0;

  constructor(private readonly limits: ReplayLimits) {}

  push(seq: number, bytes: Uint8Array): void {
    this.frames.push({ seq, bytes });
    this.bytes += bytes.length;
    while (this.frames.length > this.limits.maxFrames || this.bytes > this.limits.maxBytes) this.shift();
  }

  /** The domain has every frame up to `seq`. */
  ack(seq: number): void {
    while (this.frames.length > 0 && this.frames[0]!.seq <= seq) this.shift();
    this.droppedThrough = Math.max(this.droppedThrough, seq);
  }

  /** Every held frame after `seq`, or undefined when some of them are gone. */
  after(seq: number): Uint8Array[] | undefined {
    if (seq < this.droppedThrough) return undefined;
    return this.frames.filter((f) => f.seq > seq).map((f) => f.bytes);
  }

  private shift(): void {
    const first = this.frames.shift();
    if (!first) return;
    this.bytes -= first.bytes.length;
    this.droppedThrough = first.seq;
  }
}
