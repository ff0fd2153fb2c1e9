// Any bytes a hostile peer can put in a slot either decode to a value that re-encodes to the
// same bytes, or throw FsProtocolError: never a half-valid value, never another exception.

import type { SlotCodec } from "@xenfs/ring";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { anyRequest, anyResponse } from "./arbitraries.fixture.js";
import { FsProtocolError } from "./errors.js";
import { FSIF_SLOT_SIZE } from "./limits.js";
import { FS_OPS } from "./ops.js";
import { fsRequestCodec } from "./request-codec.js";
import { fsResponseCodec } from "./response-codec.js";

const randomSlot = fc.uint8Array({ minLength: FSIF_SLOT_SIZE, maxLength: FSIF_SLOT_SIZE });
// A valid header over a body that is zero but for a few bytes gets past the header and the
// reserved bytes often enough to reach every field check.
const sparseSlot = (typeAt: number) =>
  fc
    .tuple(
      fc.constantFrom(...Object.values(FS_OPS)),
      fc.array(fc.tuple(fc.integer({ min: 8, max: FSIF_SLOT_SIZE - 1 }), fc.integer({ min: 0, max: 255 })), {
        maxLength: 4,
      }),
    )
    .map(([type, bytes]) => {
      const slot = new Uint8Array(FSIF_SLOT_SIZE);
      slot[typeAt] = type;
      for (const [at, b] of bytes) slot[at] = b;
      return slot;
    });
const mutated = <T>(codec: SlotCodec<T>, values: fc.Arbitrary<T>) =>
  fc
    .tuple(values, fc.integer({ min: 0, max: FSIF_SLOT_SIZE - 1 }), fc.integer({ min: 0, max: 255 }))
    .map(([value, at, b]) => {
      const slot = new Uint8Array(FSIF_SLOT_SIZE);
      codec.encode(value, slot);
      slot[at] = b;
      return slot;
    });

function decodesCanonicallyOrThrowsTyped<T>(codec: SlotCodec<T>, slot: Uint8Array): boolean {
  let value: T;
  try {
    value = codec.decode(slot);
  } catch (error) {
    expect(error).toBeInstanceOf(FsProtocolError);
    return false;
  }
  const again = new Uint8Array(FSIF_SLOT_SIZE).fill(0xaa);
  codec.encode(value, again);
  expect(again).toEqual(slot);
  return true;
}

describe.each([
  ["requests", fsRequestCodec as SlotCodec<unknown>, 0, anyRequest as fc.Arbitrary<unknown>],
  ["responses", fsResponseCodec as SlotCodec<unknown>, 2, anyResponse as fc.Arbitrary<unknown>],
])("%s from untrusted bytes", (_, codec, typeAt, values) => {
  it.each([
    ["uniformly random", randomSlot],
    ["a valid header over a sparse body", sparseSlot(typeAt)],
    ["a valid slot with one byte changed", mutated(codec, values)],
  ])("%s", (_, slots) => {
    let decoded = 0;
    fc.assert(
      fc.property(slots, (slot) => {
        if (decodesCanonicallyOrThrowsTyped(codec, slot)) decoded++;
      }),
      { numRuns: 2000 },
    );
    // The property would hold vacuously if nothing ever decoded; random bytes are the exception.
    if (slots !== randomSlot) expect(decoded).toBeGreaterThan(0);
  });
});
