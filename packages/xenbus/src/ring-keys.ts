// The XenStore keys that hand a ring from the frontend to the backend, as blkif.h lays them
// out: a one-page ring is `ring-ref`; a ring of 2^order pages (order > 0) is `ring-page-order`
// and `ring-ref0` … `ring-ref<2^order − 1>`; with either, `event-channel`. The backend offers
// `max-ring-page-order` and refuses a larger order.
import type { FrontendInfo } from "./drivers.js";
import { XenbusError } from "./errors.js";
import { ringRefKey, XenbusKey } from "./paths.js";

/** What a frontend publishes for its ring: the grant of every page and its port. */
export function ringKeys(ringRefs: readonly number[], port: number): Record<string, string> {
  const keys: Record<string, string> = {};
  if (ringRefs.length === 1) keys[XenbusKey.ringRef] = String(ringRefs[0]);
  else {
    keys[XenbusKey.ringPageOrder] = String(Math.log2(ringRefs.length));
    ringRefs.forEach((ref, i) => {
      keys[ringRefKey(i)] = String(ref);
    });
  }
  keys[XenbusKey.eventChannel] = String(port);
  return keys;
}

export interface RingKeys {
  /** Page order of the ring: it spans 2^order pages. */
  readonly order: number;
  /** The grant of each page, in address order. */
  readonly ringRefs: readonly number[];
  readonly port: number;
}

/** The backend's reading of the frontend's keys; EPROTO for anything malformed or over `maxOrder`. */
export function parseRingKeys(frontend: FrontendInfo, maxOrder: number): RingKeys {
  const port = parseUint(frontend, XenbusKey.eventChannel);
  if (frontend.keys[XenbusKey.ringPageOrder] === undefined) {
    return { order: 0, ringRefs: [parseUint(frontend, XenbusKey.ringRef)], port };
  }
  const order = parseUint(frontend, XenbusKey.ringPageOrder);
  if (order > maxOrder) {
    throw new XenbusError(
      "EPROTO",
      `frontend ${frontend.domid} asked for ring-page-order ${order}, over max-ring-page-order ${maxOrder}`,
    );
  }
  const ringRefs = Array.from({ length: 2 ** order }, (_, i) => parseUint(frontend, ringRefKey(i)));
  return { order, ringRefs, port };
}

/** A backend's `max-ring-page-order` as the frontend reads it: absent (or unreadable) is 0. */
export function backendMaxRingPageOrder(keys: Record<string, string>): number {
  const text = keys[XenbusKey.maxRingPageOrder];
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : 0;
}

function parseUint(frontend: FrontendInfo, key: string): number {
  const text = frontend.keys[key];
  const value = Number(text);
  if (text === undefined || !/^\d+$/.test(text) || !Number.isSafeInteger(value)) {
    throw new XenbusError("EPROTO", `frontend ${frontend.domid} published ${key}=${JSON.stringify(text)}`);
  }
  return value;
}
