// The frames socket-transport domains keep copies of, with the bytes those copies were last
// brought to. A domain on the shm transport writes frames in place, unseen by the hypervisor;
// before any domain's calls are served, the frames that changed since are found here and their
// holders sent frame_update. So a socket domain still sees every write an shm peer made before
// the event that follows it, and before the reply to its own next call (its barrier).
import { XEN_PAGE_SIZE } from "@xenfs/proto";
import type { Frame } from "./frame-pool.js";

export type SendUpdate = (frame: Frame, offset: number, data: Uint8Array) => void;

export class SocketCopies {
  readonly #last = new Map<Frame, Uint8Array>();

  get size(): number {
    return this.#last.size;
  }

  /** A socket domain now keeps a copy of `frame`, fetched as it is now. */
  track(frame: Frame): void {
    if (!this.#last.has(frame)) this.#last.set(frame, frame.read(0, XEN_PAGE_SIZE));
  }

  /** The hypervisor wrote these bytes and sent them itself. */
  wrote(frame: Frame, offset: number, bytes: Uint8Array): void {
    this.#last.get(frame)?.set(bytes, offset);
  }

  /** Sends the span that changed in each copied frame; forgets frames nobody copies any more. */
  sync(send: SendUpdate): void {
    for (const [frame, last] of this.#last) {
      if (frame.cachers.size === 0) {
        this.#last.delete(frame);
        continue;
      }
      const now = frame.read(0, XEN_PAGE_SIZE);
      let first = 0;
      while (first < XEN_PAGE_SIZE && now[first] === last[first]) first++;
      if (first === XEN_PAGE_SIZE) continue;
      let end = XEN_PAGE_SIZE;
      while (now[end - 1] === last[end - 1]) end--;
      last.set(now.subarray(first, end), first);
      send(frame, first, now.slice(first, end));
    }
  }
}
