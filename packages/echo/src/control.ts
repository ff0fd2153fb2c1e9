// Messages between the echo processes and whoever started them (tests, the benchmark), over
// Node's IPC channel (`stdio: [..., "ipc"]`). Without a channel the processes just run.
import type { WorkloadResult, WorkloadSpec } from "./workload.js";

export type ToGuest = { readonly type: "run"; readonly spec: WorkloadSpec };
export type FromGuest =
  | { readonly type: "ready"; readonly domid: number }
  | { readonly type: "progress"; readonly answered: number }
  | {
      readonly type: "result";
      readonly result: WorkloadResult;
      readonly reissued: number;
      readonly duplicates: number;
    };

export type ToDom0 = { readonly type: "stats" };
export type FromDom0 =
  | { readonly type: "ready"; readonly domid: number }
  | { readonly type: "stats"; readonly served: number };

/** Sends to the parent if there is one. */
export function tell<T extends FromGuest | FromDom0>(message: T): void {
  process.send?.(message);
}

export function onCommand<T>(handler: (message: T) => void): void {
  process.on("message", (message) => handler(message as T));
}
