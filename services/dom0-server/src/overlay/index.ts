export { OverlayControl } from "./control.js";
export { copyUp } from "./copy-up.js";
export { resolveOverlayDir } from "./overlay-dir.js";
export { OverlayFs, type Probe } from "./overlay-fs.js";
export { type OverlayChange, Overlays } from "./overlays.js";
export { OPAQUE_MARKER, WHITEOUT_PREFIX } from "./whiteout.js";
