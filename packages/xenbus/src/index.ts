export { XenbusBackend } from "./backend.js";
export { BackendDevice } from "./backend-device.js";
export type { BackendDriver, BackendInfo, FrontendDriver, FrontendInfo } from "./drivers.js";
export { EchoBackend, type EchoBackendOptions } from "./echo/backend.js";
export type { FromDom0, FromGuest, ToDom0, ToGuest } from "./echo/control.js";
export { EchoFrontend } from "./echo/frontend.js";
export {
  ECHO_DEVICE,
  ECHO_MAX_PAYLOAD,
  type EchoRequest,
  type EchoResponse,
  echoRing,
} from "./echo/protocol.js";
export { payloadFor, runWorkload, type WorkloadResult, type WorkloadSpec } from "./echo/workload.js";
export { XenbusError, type XenbusErrorCode } from "./errors.js";
export { XenbusFrontend } from "./frontend.js";
export { joinRetrying } from "./join-retry.js";
export {
  backendDir,
  backendTypeDir,
  type DeviceId,
  domainPath,
  frontendDir,
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
export { createDevice, type DeviceSpec } from "./toolstack.js";
export { WriteCombiningPage } from "./write-combining-page.js";
export { parseState, XenbusState, xenbusStateName } from "./xenbus-state.js";
