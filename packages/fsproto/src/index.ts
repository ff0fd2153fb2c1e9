export { type DirentType, DT, isDirentType } from "./dirent.js";
export { errnoNameOf, FS_ERRNO, FS_STRERROR, type FsErrnoName, statusOf } from "./errno.js";
export { FsProtocolError, type FsProtocolErrorCode } from "./errors.js";
export { FsError, type FsErrorContext } from "./fs-error.js";
export { type GrefSet, grefCount } from "./layout/gref-set.js";
export type { PageArg } from "./layout/page-arg.js";
export {
  STAT_RECORD_SIZE,
  STATFS_RECORD_SIZE,
  type StatFsRecord,
  type StatRecord,
} from "./layout/records.js";
export * from "./limits.js";
export {
  decodeOpenFlags,
  hostOpenFlags,
  isOpenFlags,
  NODE_OPEN_FLAGS,
  type NodeOpenFlag,
  O,
  O_ACCMODE,
  type OFlagName,
  OPEN_FLAGS,
  type OpenFlags,
  type OpenRequestFlags,
  reopenFlags,
  wireOfHostFlags,
  wireOpenFlags,
} from "./open-flags.js";
export { FS_OPS, FSIF_REQ, type FsOp, opOfType } from "./ops.js";
export {
  isOverlayRequest,
  OVERLAY_REQUESTS,
  OverlayControlKey,
  type OverlayRequest,
  overlayControlPath,
  XENFS_OVERLAY_CONTROL,
} from "./overlay-control.js";
export type { PageCodec } from "./page-codec.js";
export {
  ATTR,
  ATTR_RECORD_SIZE,
  ATTR_RECORDS_PER_PAGE,
  type AttrRecord,
  attrRecordCodec,
  attrRecordOffset,
} from "./pages/attr-record.js";
export { type DirEntry, dirListCodec, fitDirEntries } from "./pages/dir-list.js";
export { grefListBytes, grefListCodec } from "./pages/gref-list.js";
export { pathCodec } from "./pages/path.js";
export { FSIF_REQF, fsRequestCodec } from "./request-codec.js";
export type { FsRequest, FsRequestOf } from "./requests.js";
export { fsResponseCodec } from "./response-codec.js";
export type { FsFailedResponse, FsOkResponseOf, FsResponse } from "./responses.js";
export { fsifRing } from "./ring.js";
export { S_IF } from "./stat-mode.js";
export { XENFS_DEVICE, XENFS_FEATURE_ON, XENFS_MODE_FEATURE, XenfsKey } from "./xenbus-keys.js";
