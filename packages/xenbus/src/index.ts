export { XenbusBackend } from "./backend.js";
export { BackendDevice } from "./backend-device.js";
export type { BackendDriver, BackendInfo, FrontendDriver, FrontendInfo } from "./drivers.js";
export { EchoBackend, type EchoBackendOptions } from "./echo/backend.js";
export { EchoFrontend } from "./echo/frontend.js";
export {
  ECHO_DEVICE,
  ECHO_MAX_PAYLOAD,
  type EchoRequest,
  type EchoResponse,
  echoRing,
} from "./echo/protocol.js";
export { XenbusError, type XenbusErrorCode } from "./errors.js";
export { XenbusFrontend } from "./frontend.js";
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
  finalCheckForRequests,
  finalCheckForResponses,
  pushRequestsAndCheckNotify,
  pushResponsesAndCheckNotify,
} from "./ring-barriers.js";
export { RingFront } from "./ring-front.js";
export { createDevice, type DeviceSpec } from "./toolstack.js";
export { parseState, XenbusState, xenbusStateName } from "./xenbus-state.js";
