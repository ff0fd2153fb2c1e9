import { XS, XSD_ERRORS, type XsdError } from "@xenfs/proto";
import type { XsConnection } from "../xenstore-port.js";
import { XsError } from "./errors.js";
import { payloadStrings, strings } from "./requests.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Typed calls over an XsConnection, for in-process users; XS_ERROR replies throw XsError. */
export class XsClient {
  constructor(readonly conn: XsConnection) {}

  request(type: number, payload: Uint8Array, txId = 0): Uint8Array {
    const reply = this.conn.request(type, txId, payload);
    if (reply.type !== XS.ERROR) return reply.payload;
    const [name = ""] = payloadStrings(reply.payload, 1);
    const code: XsdError = (XSD_ERRORS as readonly string[]).includes(name) ? (name as XsdError) : "EINVAL";
    throw new XsError(code, `xenstore request ${type} failed: ${name}`);
  }

  read(path: string, txId = 0): string {
    return decoder.decode(this.request(XS.READ, strings(path), txId));
  }

  write(path: string, value: string | Uint8Array, txId = 0): void {
    const bytes = typeof value === "string" ? encoder.encode(value) : value;
    const head = encoder.encode(`${path}\0`);
    const payload = new Uint8Array(head.length + bytes.length);
    payload.set(head);
    payload.set(bytes, head.length);
    this.request(XS.WRITE, payload, txId);
  }

  mkdir(path: string, txId = 0): void {
    this.request(XS.MKDIR, strings(path), txId);
  }

  rm(path: string, txId = 0): void {
    this.request(XS.RM, strings(path), txId);
  }

  directory(path: string, txId = 0): string[] {
    return payloadStrings(this.request(XS.DIRECTORY, strings(path), txId));
  }

  getPerms(path: string, txId = 0): string[] {
    return payloadStrings(this.request(XS.GET_PERMS, strings(path), txId));
  }

  setPerms(path: string, perms: readonly string[], txId = 0): void {
    this.request(XS.SET_PERMS, strings(path, ...perms), txId);
  }

  watch(path: string, token: string): void {
    this.request(XS.WATCH, strings(path, token));
  }

  unwatch(path: string, token: string): void {
    this.request(XS.UNWATCH, strings(path, token));
  }

  transactionStart(): number {
    return Number(payloadStrings(this.request(XS.TRANSACTION_START, strings("")))[0]);
  }

  transactionEnd(txId: number, commit: boolean): void {
    this.request(XS.TRANSACTION_END, strings(commit ? "T" : "F"), txId);
  }
}
