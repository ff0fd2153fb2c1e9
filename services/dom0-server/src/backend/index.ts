export type { Dom0Services } from "./context.js";
export { type GuestView, XenfsBackendDriver } from "./driver.js";
