import { XsError } from "./errors.js";

const DOMID_MAX = 0xffff;

/** `<domid>` on the wire: decimal 0..65535 (xenstored's parse_domid()). */
export function parseDomid(text: string): number {
  if (!/^[0-9]{1,5}$/.test(text) || Number(text) > DOMID_MAX) {
    throw new XsError("EINVAL", `bad domid ${JSON.stringify(text.slice(0, 20))}`);
  }
  return Number(text);
}

export function checkDomid(domid: number): number {
  if (!Number.isInteger(domid) || domid < 0 || domid > DOMID_MAX)
    throw new XsError("EINVAL", `bad domid ${domid}`);
  return domid;
}

/** Which domains xenstored is "in communication with", and SET_TARGET's device-model links. */
export class DomainTable {
  readonly #introduced = new Set<number>([0]);
  readonly #targets = new Map<number, number>();

  /** True when the domain was not introduced before. */
  introduce(domid: number): boolean {
    const fresh = !this.#introduced.has(domid);
    this.#introduced.add(domid);
    return fresh;
  }

  /** True when the domain had been introduced. */
  release(domid: number): boolean {
    for (const [from, to] of this.#targets) if (from === domid || to === domid) this.#targets.delete(from);
    return this.#introduced.delete(domid);
  }

  isIntroduced(domid: number): boolean {
    return this.#introduced.has(domid);
  }

  /** An introduced domain, or ENOENT (xenstored's find_connected_domain()). */
  introduced(domid: number): number {
    if (!this.#introduced.has(domid)) throw new XsError("ENOENT", `domain ${domid} is not introduced`);
    return domid;
  }

  setTarget(domid: number, target: number): void {
    this.#targets.set(domid, target);
  }

  targetOf(domid: number): number | undefined {
    return this.#targets.get(domid);
  }

  get count(): number {
    return this.#introduced.size;
  }
}
