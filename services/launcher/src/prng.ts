// mulberry32: a tiny seeded generator. The sample tree must be byte-identical on every machine
// and every run, so its "random" files come from a fixed seed rather than crypto randomness.

export function seededBytes(seed: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  let state = seed >>> 0;
  for (let offset = 0; offset < length; offset += 4) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const word = (t ^ (t >>> 14)) >>> 0;
    if (offset + 4 <= length) out.writeUInt32LE(word, offset);
    else for (let i = 0; offset + i < length; i++) out[offset + i] = (word >>> (8 * i)) & 0xff;
  }
  return out;
}
