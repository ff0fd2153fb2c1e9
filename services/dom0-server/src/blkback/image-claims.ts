// Who has which image: a read-only image may be attached to any number of guests, a writable one
// to one guest only (two writers with private caches would corrupt the filesystem on it).
import { resolve } from "node:path";
import { VbdError } from "./errors.js";

interface Claim {
  readonly readonly: boolean;
  readonly guests: Set<number>;
}

export class ImageClaims {
  readonly #claims = new Map<string, Claim>();

  /** Records `domid` as a user of `path`; EBUSY if that would give a writable image two users. */
  claim(path: string, domid: number, readonly: boolean): void {
    const key = resolve(path);
    const claim = this.#claims.get(key);
    if (!claim) {
      this.#claims.set(key, { readonly, guests: new Set([domid]) });
      return;
    }
    if (claim.guests.has(domid)) return;
    if (!readonly || !claim.readonly) {
      const holder = [...claim.guests].join(", ");
      throw new VbdError(
        "EBUSY",
        `disk image ${key} is attached ${claim.readonly ? "read-only" : "writable"} to guest ${holder}; ` +
          `a writable image is attached to one guest only`,
      );
    }
    claim.guests.add(domid);
  }

  release(path: string, domid: number): void {
    const key = resolve(path);
    const claim = this.#claims.get(key);
    claim?.guests.delete(domid);
    if (claim?.guests.size === 0) this.#claims.delete(key);
  }
}
