// The contract services/hypervisor plugs XenStore into (mirrors ../xenstore-port.ts).

export interface XsReply {
  type: number;
  payload: Uint8Array;
}

export interface XsConnection {
  request(type: number, txId: number, payload: Uint8Array): XsReply;
  close(): void;
}

export interface XsBackend {
  /** Privileged iff domid 0. */
  connect(domid: number, onWatchEvent: (path: string, token: string) => void): XsConnection;
  introduceDomain(domid: number, name: string): void;
  releaseDomain(domid: number): void;
}
