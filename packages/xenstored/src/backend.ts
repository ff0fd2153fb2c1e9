// What xenstored offers its host. In Xen, domains reach xenstored over a shared ring and an event
// channel; here the hypervisor passes a domain's `xs` hypercalls to its connection, and watch
// events go back to the domain as xs_watch_event upcalls.

export interface XsConnection {
  /** One xs_wire request (io/xs_wire.h); answers with the reply's type and payload. */
  request(type: number, txId: number, payload: Uint8Array): { type: number; payload: Uint8Array };
  close(): void;
}

export interface XsBackend {
  /** Privileged iff domid 0. */
  connect(domid: number, onWatchEvent: (path: string, token: string) => void): XsConnection;
  /** On join: writes /local/domain/<id>/{name,domid}, fires @introduceDomain. */
  introduceDomain(domid: number, name: string): void;
  /** On death: removes them, fires @releaseDomain. */
  releaseDomain(domid: number): void;
}
