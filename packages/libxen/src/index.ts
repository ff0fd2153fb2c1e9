export type { AtomicWidth } from "./atomic.js";
export { Balloon, type BalloonStatus } from "./balloon.js";
export { type SuspendHook, XenDomain } from "./domain.js";
export { DOMAIN_ENV } from "./domain-env.js";
export { bitmapPfns, type DomainInfo, type DomainStateName, Domctl } from "./domctl.js";
export { XenError } from "./errors.js";
export { EventChannel, type EventHandler, type EvtchnStatName, type EvtchnStatus } from "./event-channel.js";
export { FrameCache, FrameCopy, type UpdateListener } from "./frame-cache.js";
export { type FrameAccess, FramePage, type SharedPage } from "./frame-page.js";
export { GNTTAB_RESERVED } from "./grant-refs.js";
export {
  type CopySide,
  GRANT_IN_USE,
  type GrantMapping,
  type GrantRevokeEvent,
  GrantTable,
  type GrantTableEvents,
  type TransferStatus,
} from "./grant-table.js";
export {
  type BackoffPolicy,
  backoffDelay,
  INCARNATION_BACKOFF,
  RESUME_BACKOFF,
} from "./incarnation/backoff.js";
export { type JoinRetryOptions, joinDomain } from "./incarnation/join.js";
export {
  type Attached,
  DomainIncarnations,
  type Incarnation,
  type IncarnationOptions,
  type IncarnationPhase,
} from "./incarnation/loop.js";
export type { XenLogger } from "./logger.js";
export { MemSharing, type Nominated } from "./mem-sharing.js";
export { type CopyToWriteFault, Memory } from "./memory.js";
export { type CallHooks, MulticallBatcher } from "./multicall.js";
export { ProcessFaults, splitOwnFaults } from "./process-faults.js";
export { RemusOutputs, type RemusState } from "./remus.js";
export {
  type AttachHook,
  type SessionEvents,
  type UpcallListener,
  XenSession,
  type XenSessionOptions,
} from "./session.js";
export { MEMORY_TRANSPORTS, type MemoryPlace, type MemoryTransport, SharedMemory } from "./shared-memory.js";
export { ShmFrame } from "./shm-frame.js";
export { type SpanSide, TraceSpans } from "./trace-spans.js";
export { type WatchCallback, XBT_NULL, XenStoreClient, type XsOps, type XsPerm } from "./xenstore.js";
export { XsHypercallTransport } from "./xs-hypercall.js";
export { XsInProcessTransport, type XsLocalBackend } from "./xs-in-process.js";
export { XsSocketTransport } from "./xs-socket.js";
export type { XsTransport, XsWatchListener, XsWireReply } from "./xs-transport.js";
