// Moving one value between a ring entry and the caller, the same way for both ends.
import type { Consumed, SlotCodec } from "./codec.js";
import { SlotError } from "./errors.js";
import type { Sring } from "./sring.js";

/**
 * RING_COPY_{REQUEST,RESPONSE} then decode: the slot is read once into private memory and only
 * the copy is validated and used, so a peer rewriting the slot meanwhile cannot make what was
 * checked differ from what is used (XSA-155).
 */
export function copySlot<T>(sring: Sring, idx: number, codec: SlotCodec<T>): Consumed<T> {
  const copy = sring.page.read(sring.entryOffset(idx), codec.size).slice();
  try {
    return { ok: true, value: codec.decode(copy) };
  } catch (cause) {
    const error = asSlotError(idx, cause);
    const rawId = readRawId(codec, copy);
    return rawId === undefined ? { ok: false, error } : { ok: false, error, rawId };
  }
}

/**
 * Encodes into a scratch entry first, so a value that does not encode leaves the ring untouched,
 * and writes the whole entry, so no byte of an older, larger entry stays visible to the peer.
 */
export function putSlot<T>(sring: Sring, idx: number, codec: SlotCodec<T>, value: T): void {
  const entry = sring.scratch;
  entry.fill(0);
  codec.encode(value, codec.size === entry.length ? entry : entry.subarray(0, codec.size));
  sring.page.write(sring.entryOffset(idx), entry);
}

function asSlotError(idx: number, cause: unknown): SlotError {
  if (cause instanceof SlotError) return cause;
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new SlotError(`slot ${idx} does not decode: ${reason}`, { cause });
}

function readRawId<T>(codec: SlotCodec<T>, copy: Uint8Array): number | undefined {
  try {
    return codec.rawId?.(copy);
  } catch {
    return undefined;
  }
}
