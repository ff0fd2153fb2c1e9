// remus_suspend (extension, docs/remus.md#checkpoints): the guest has stopped for checkpoint
// `epoch`. The checkpoint is taken before this returns; the reply lets the guest run again.
import { errno } from "../errors.js";
import type { Handler } from "../handler.js";
import { remusOf } from "./registry.js";

export const remusSuspend: Handler<"remusSuspend"> = (xen, caller, { epoch }) => {
  const primary = remusOf(xen).primaries.get(caller.domid);
  if (!primary?.active || primary.domain !== caller)
    throw errno("EINVAL", `dom${caller.domid} is not protected by Remus here`);
  primary.onGuestStopped(epoch);
  return undefined;
};
