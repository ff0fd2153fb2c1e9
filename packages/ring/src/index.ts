export { BackRing } from "./back-ring.js";
export type { Consumed, SlotCodec } from "./codec.js";
export { RingError, type RingErrorCode, SlotError } from "./errors.js";
export { FrontRing } from "./front-ring.js";
export { checkNotify, idxAdd, idxDiff } from "./indices.js";
export { rd32, ringPagesOfOrder, ringSize, SRING, XEN_MAX_RING_PAGES, XEN_PAGE_SIZE } from "./layout.js";
export { BufferPage, PageSpan, type RingPage } from "./page.js";
export { defineRingTypes, type RingTypes } from "./ring-types.js";
export { Sring } from "./sring.js";
