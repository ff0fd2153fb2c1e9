export { BlkbackDriver, type BlkbackOptions, type VbdGuestView } from "./driver.js";
export { VbdError, type VbdErrorCode } from "./errors.js";
export { VbdImage } from "./image.js";
export { ImageClaims } from "./image-claims.js";
export { serveVbd, type VbdConfig, type VbdServing } from "./serving.js";
