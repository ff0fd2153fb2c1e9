// Comparing a presented secret (token, session key) with the expected one in constant time.
import { timingSafeEqual } from "node:crypto";

export function sameSecret(given: string | Uint8Array, expected: string | Uint8Array): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
