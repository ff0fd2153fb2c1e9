export { XenbusBackend } from "./backend.js";
export { BackendDevice } from "./backend-device.js";
export type { BackendDriver, BackendInfo, FrontendDriver, FrontendInfo } from "./drivers.js";
export { EchoBackend, type EchoBackendOptions } from "./echo/backend.js";
export type { FromDom0, FromGuest, ToDom0, ToGuest } from "./echo/control.js";
export { EchoFrontend, type EchoFrontendOptions } from "./echo/frontend.js";
export {
  ECHO_DEVICE,
  ECHO_MAX_PAYLOAD,
  ECHO_MAX_RING_PAGE_ORDER,
  type EchoRequest,
  type EchoResponse,
  echoRing,
  echoRingOfOrder,
} from "./echo/protocol.js";
export { payloadFor, runWorkload, type WorkloadResult, type WorkloadSpec } from "./echo/workload.js";
export { XenbusError, type XenbusErrorCode } from "./errors.js";
export { XenbusFrontend } from "./frontend.js";
export {
  backendDir,
  backendTypeDir,
  type DeviceId,
  domainPath,
  frontendDir,
  ringRefKey,
  XenbusKey,
} from "./paths.js";
export { RingBack } from "./ring-back.js";
export {
  type Barrier,
  finalCheckForRequests,
  finalCheckForResponses,
  pushRequestsAndCheckNotify,
  pushResponsesAndCheckNotify,
} from "./ring-barriers.js";
export { RingFront } from "./ring-front.js";
export { backendMaxRingPageOrder, parseRingKeys, type RingKeys, ringKeys } from "./ring-keys.js";
export { createDevice, type DeviceSpec } from "./toolstack.js";
export { WriteCombiningPage, type WriteFlusher } from "./write-combining-page.js";
export { parseState, XenbusState, xenbusStateName } from "./xenbus-state.js";
