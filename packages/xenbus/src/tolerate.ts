import { XenError } from "@xenfs/libxen";

/**
 * Teardown carries on past the refusals a vanished peer causes (a port it closed, a mapping
 * its death removed); true if `op` succeeded. Anything but a hypercall refusal is a bug: thrown.
 */
export async function tolerate(op: Promise<unknown>): Promise<boolean> {
  try {
    await op;
    return true;
  } catch (error) {
    if (error instanceof XenError) return false;
    throw error;
  }
}
