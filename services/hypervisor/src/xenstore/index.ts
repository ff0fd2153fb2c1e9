export { XsClient } from "./client.js";
export type { WatchMatch, XsChange } from "./database.js";
export { XsError } from "./errors.js";
export { domainPath, resolvePath } from "./paths.js";
export type { XsAccess, XsCaller, XsPerm, XsPerms } from "./permissions.js";
export { DEFAULT_XS_QUOTAS, QUOTA_ERRNO, type XsQuotas } from "./quotas.js";
export type { XsReply } from "./requests.js";
export { startXenstoredSocket, type XenstoredSocket } from "./socket-server.js";
export { XenStore, type XenStoreOptions, type XenStoreStats } from "./store.js";
export {
  decodeXsdSockmsgHeader,
  decodeXsdSockmsgs,
  encodeXsdSockmsg,
  type XsdSockmsg,
  XsdSockmsgDecoder,
  type XsdSockmsgHeader,
} from "./wire.js";
