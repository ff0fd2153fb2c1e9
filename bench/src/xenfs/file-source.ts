// What a reader reads through: a XenFS mount (shared or copy) or an HTTP file server. The
// workloads are written once against this.
export interface FileSource {
  /** `length` bytes at `position` of `path` into `target`; the bytes read. */
  readAt(path: string, target: Uint8Array, position: number): Promise<number>;
  /** The whole file front to back in `chunkBytes` pieces; calls `seen` on each piece. */
  readSequential(
    path: string,
    chunkBytes: number,
    seen: (bytes: Uint8Array, position: number) => void,
  ): Promise<number>;
  close(): Promise<void>;
}
