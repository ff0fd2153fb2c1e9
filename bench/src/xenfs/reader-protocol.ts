// Messages between the bench and a reader process (IPC channel).
import type { FileRef } from "./workloads.js";

export type Command =
  | { readonly cmd: "whole"; readonly file: FileRef; readonly chunkBytes: number }
  | {
      readonly cmd: "random";
      readonly file: FileRef;
      readonly ops: number;
      readonly inflight: number;
      readonly seed: number;
    }
  | { readonly cmd: "settle" }
  | { readonly cmd: "stop" };

export type ReaderReply =
  | { readonly type: "ready" }
  | { readonly type: "done"; readonly bytes: number; readonly latencies?: number[] }
  | { readonly type: "error"; readonly message: string };
