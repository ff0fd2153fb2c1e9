export { MountError, type MountOptions, mount } from "./xenfs.js";
