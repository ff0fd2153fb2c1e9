// XenStore over a domain's session: each request is an `xs` hypercall, watch events come back as
// `xs_watch_event` upcalls.
import type { XenSession } from "./session.js";
import type { XsTransport, XsWatchListener, XsWireReply } from "./xs-transport.js";

export class XsHypercallTransport implements XsTransport {
  constructor(private readonly session: XenSession) {}

  async request(type: number, txId: number, payload: Uint8Array): Promise<XsWireReply> {
    const { xs } = await this.session.call({ xs: { type, txId, payload } });
    return { type: xs?.type ?? 0, payload: xs?.payload ?? new Uint8Array(0) };
  }

  onWatchEvent(listener: XsWatchListener): void {
    this.session.onUpcall("xsWatchEvent", (e) => listener(e.path ?? "", e.token ?? ""));
  }

  onClose(listener: (error: Error) => void): void {
    this.session.once("lost", listener);
  }

  /** The session is the domain's; it closes with the domain. */
  close(): void {}
}
