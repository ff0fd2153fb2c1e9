export { EchoBackend, type EchoBackendOptions } from "./backend.js";
export type { FromDom0, FromGuest, ToDom0, ToGuest } from "./control.js";
export {
  type EchoProcess,
  type EchoSpawnOptions,
  echoProcessArgs,
  nextMessage,
  spawnEcho,
} from "./entries.js";
export { EchoFrontend, type EchoFrontendOptions } from "./frontend.js";
export {
  ECHO_DEVICE,
  ECHO_MAX_PAYLOAD,
  ECHO_MAX_RING_PAGE_ORDER,
  type EchoRequest,
  type EchoResponse,
  echoRing,
  echoRingOfOrder,
} from "./protocol.js";
export { payloadFor, runWorkload, type WorkloadResult, type WorkloadSpec } from "./workload.js";
