// XDR (RFC 4506): big-endian 4-byte units, opaque data padded to a multiple of 4.
export class XdrWriter {
  private chunks: Buffer[] = [];

  u32(value: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(value >>> 0);
    this.chunks.push(b);
    return this;
  }

  u64(value: bigint | number): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(value));
    this.chunks.push(b);
    return this;
  }

  /** Fixed-length opaque: the bytes and their padding, no length. */
  fixed(bytes: Uint8Array): this {
    this.chunks.push(Buffer.from(bytes));
    const pad = (4 - (bytes.length % 4)) % 4;
    if (pad) this.chunks.push(Buffer.alloc(pad));
    return this;
  }

  opaque(bytes: Uint8Array): this {
    return this.u32(bytes.length).fixed(bytes);
  }

  string(text: string): this {
    return this.opaque(Buffer.from(text, "utf8"));
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

export class XdrReader {
  private offset = 0;

  constructor(private readonly buffer: Buffer) {}

  private need(bytes: number): void {
    if (this.offset + bytes > this.buffer.length) {
      throw new Error(`XDR: ${bytes} bytes wanted at ${this.offset} of ${this.buffer.length}`);
    }
  }

  u32(): number {
    this.need(4);
    const value = this.buffer.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  u64(): bigint {
    this.need(8);
    const value = this.buffer.readBigUInt64BE(this.offset);
    this.offset += 8;
    return value;
  }

  bool(): boolean {
    return this.u32() !== 0;
  }

  fixed(length: number): Buffer {
    this.need(length);
    const bytes = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length + ((4 - (length % 4)) % 4);
    return bytes;
  }

  opaque(): Buffer {
    return this.fixed(this.u32());
  }

  string(): string {
    return this.opaque().toString("utf8");
  }
}
