// The message shapes libxen passes around, named once. Decoded messages are the generated
// classes, whose oneof getters (`kind`) the plain property types do not show.
import type { UpcallKind, xen } from "@xenfs/proto";

export type Hypercall = xen.Hypercall.$Properties;
export type Reply = xen.Reply.$Properties;
export type Upcall = xen.Upcall.$Properties;

export function upcallKind(upcall: Upcall): UpcallKind | undefined {
  return (upcall as xen.Upcall).kind ?? undefined;
}
