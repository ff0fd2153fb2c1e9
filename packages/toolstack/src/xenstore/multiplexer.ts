// `xenstore <mode> …`: the one binary that Xen's xenstore-* tools are links to.
import type { Io } from "../io.js";
import { XS_MODES, type XsMode } from "./options.js";
import { runXenstore } from "./run.js";

const isMode = (name: string): name is XsMode => (XS_MODES as readonly string[]).includes(name);

export async function runXenstoreMultiplexed(argv: readonly string[], io: Io): Promise<number> {
  const [mode, ...rest] = argv;
  if (mode !== undefined && isMode(mode)) return runXenstore(mode, rest, io, "xenstore");
  // Xen's errx() message for an unknown mode ends in its own "\n", hence the blank line.
  io.err(
    mode === undefined
      ? "xenstore: Usage: xenstore <mode> [-h] [...]\n"
      : `xenstore: unknown mode ${mode}\n\n`,
  );
  return 1;
}
