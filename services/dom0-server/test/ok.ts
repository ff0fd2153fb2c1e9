import type { FsOkResponseOf, FsOp, FsResponse } from "@xenfs/fsproto";

/** The response, known to be a success of `op`; a failure throws with its errno. */
export function ok<K extends FsOp>(op: K, response: FsResponse): FsOkResponseOf<K> {
  if (!response.ok) throw new Error(`${op} failed: ${response.code}`);
  if (response.op !== op) throw new Error(`answer to ${op} says ${String(response.op)}`);
  return response as FsOkResponseOf<K>;
}
