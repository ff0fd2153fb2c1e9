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
  | { readonly cmd: "walk"; readonly dir: string; readonly files: number }
  | { readonly cmd: "write"; readonly path: string; readonly bytes: number; readonly chunkBytes: number }
  | { readonly cmd: "metadata"; readonly prefix: string; readonly count: number }
  | { readonly cmd: "settle" }
  | { readonly cmd: "stop" };

export type ReaderReply =
  | { readonly type: "ready" }
  | { readonly type: "done"; readonly bytes: number; readonly ops?: number; readonly latencies?: number[] }
  /** The source cannot run this workload (file-source.ts Unsupported): the cell is skipped. */
  | { readonly type: "unsupported"; readonly reason: string }
  | { readonly type: "error"; readonly message: string };
