export * from "./errors.js";
export * from "./export-fs.js";
export * from "./guest-path.js";
export * from "./open-files.js";
export type { DirEntry, ReaddirPage } from "./readdir.js";
export * from "./resolve.js";
export type { EntryType, FileStat } from "./stat.js";
export { identityKey } from "./stat.js";
