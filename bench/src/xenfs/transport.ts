// The memory transports every XenFS row runs under (XEN_MEMORY_TRANSPORT, a per-domain choice):
// `shm` reads and writes frames in place in the host's shared-memory file, `socket` carries them
// in hypercalls. The bench passes it to the domain processes it starts (dom0 and the readers).
export const TRANSPORTS = ["shm", "socket"] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** The XenFS device's modes the bench runs (block mode is a vbd, not this device). */
export type XenfsMode = "shared" | "copy" | "cow";

/** One XenFS configuration: a mode under a transport; `label` is how row names spell it. */
export interface Variant {
  readonly mode: XenfsMode;
  readonly transport: Transport;
  readonly label: string;
}

export const variant = (mode: XenfsMode, transport: Transport): Variant => ({
  mode,
  transport,
  label: `${mode}, ${transport}`,
});

/** Every XenFS variant, shared first. */
export const VARIANTS: readonly Variant[] = (["shared", "copy"] as const).flatMap((mode) =>
  TRANSPORTS.map((transport) => variant(mode, transport)),
);
