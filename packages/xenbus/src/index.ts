export { XenbusBackend } from "./backend.js";
export { BackendDevice } from "./backend-device.js";
export type { BackendDriver, BackendInfo, FrontendDriver, FrontendInfo } from "./drivers.js";
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
export { RingServer, type ServeRequest } from "./ring-server.js";
export { createDevice, type DeviceSpec } from "./toolstack.js";
export { WriteCombiningPage, type WriteFlusher } from "./write-combining-page.js";
export { parseState, XenbusState, xenbusStateName } from "./xenbus-state.js";
export { readOptional } from "./xs-read.js";
