// One WebSocket: binary frames only, each one Envelope. Until the domain is known only join or
// resume is accepted; a frame that does not decode closes the socket with a reason (1007, or
// 1009 when too big) and touches nothing. A dropped socket starts the domain's lease.
import {
  DEFAULT_WIRE_LIMITS,
  decodeEnvelope,
  type Envelope,
  encodeEnvelope,
  WireError,
  type xen,
} from "@xenfs/proto";
import type { RawData, WebSocket } from "ws";
import { failure } from "../dispatch.js";
import type { Domain } from "../domain/domain.js";
import { errno, HypercallError } from "../errors.js";
import { receive } from "../serve.js";
import type { Xen } from "../xen.js";
import { attach, join, resume } from "./handshake.js";
import { sessionOf, WS_CLOSE } from "./session.js";

/** WebSocket close reasons are at most 123 bytes of UTF-8. */
export function closeReason(text: string): string {
  let reason = text;
  while (Buffer.byteLength(reason) > 123) reason = reason.slice(0, -1);
  return reason;
}

function bytesOf(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

export function acceptConnection(xen: Xen, socket: WebSocket): void {
  const limits = { maxFrameBytes: xen.config.limits.maxPayload, maxBatch: DEFAULT_WIRE_LIMITS.maxBatch };
  let domain: Domain | undefined;
  const close = (code: number, reason: string) => socket.close(code, closeReason(reason));
  const handshakeTimer = setTimeout(
    () => close(WS_CLOSE.policy, "ETIMEDOUT: no join or resume"),
    xen.config.limits.handshakeMs,
  );

  const refuse = (seq: number, error: HypercallError) => {
    socket.send(encodeEnvelope({ seq: 1, replyTo: seq, reply: failure(error) }), { binary: true });
    close(WS_CLOSE.policy, `${error.code}: ${error.message}`);
  };

  /** An attach waiting for the restore of its domain to end: nothing else is taken meanwhile. */
  let waiting = false;
  const handshake = (envelope: Envelope) => {
    if (waiting) return close(WS_CLOSE.policy, "EPROTO: a frame before the attach was answered");
    const call = envelope.call as xen.Hypercall | null | undefined;
    // A partitioned domain's process reaches nothing: its connection goes unanswered.
    if (xen.config.faults.partitioned(call?.resume?.domid ?? undefined, call?.join?.name ?? undefined))
      return socket.terminate();
    try {
      if (call?.join) domain = join(xen, socket, envelope.seq, call.join as xen.JoinArgs);
      else if (call?.resume) domain = resume(xen, socket, envelope.seq, call.resume as xen.ResumeArgs);
      else if (call?.attach) {
        const args = call.attach as xen.AttachArgs;
        const ending = xen.restoring.ending(args.name, args.sessionKey);
        if (ending !== undefined) {
          // Its image is still arriving: answered when the restore ends (attached, or refused).
          waiting = true;
          void ending.then(() => {
            waiting = false;
            if (socket.readyState === socket.OPEN) handshake(envelope);
          });
          return;
        }
        domain = attach(xen, socket, envelope.seq, args);
      } else throw errno("EPERM", "the first frame must be a join, resume or attach call");
      clearTimeout(handshakeTimer);
    } catch (error) {
      if (!(error instanceof HypercallError)) throw error;
      refuse(envelope.seq, error);
    }
  };

  socket.on("message", (data: RawData, isBinary: boolean) => {
    if (!isBinary) return close(WS_CLOSE.unsupported, "EPROTO: binary frames only");
    let envelope: Envelope;
    try {
      envelope = decodeEnvelope(bytesOf(data), limits);
    } catch (error) {
      if (!(error instanceof WireError)) throw error;
      return close(
        error.code === "EMSGSIZE" ? WS_CLOSE.tooBig : WS_CLOSE.invalidData,
        `${error.code}: ${error.message}`,
      );
    }
    try {
      if (!domain) return handshake(envelope);
      const session = sessionOf(domain);
      if (session.socket !== socket) return; // superseded by a resumed connection
      const known = domain;
      session.fromDomain(envelope, (frame) => {
        try {
          if (known.live) receive(xen, known, frame);
        } catch (error) {
          xen.logger.error({ err: error, domid: known.domid }, "frame handling failed");
          close(1011, "EIO: internal error");
        }
      });
    } catch (error) {
      xen.logger.error({ err: error, domid: domain?.domid }, "frame handling failed");
      close(1011, "EIO: internal error");
    }
  });

  socket.on("close", () => {
    clearTimeout(handshakeTimer);
    if (domain?.live && sessionOf(domain).detach(socket)) xen.lifecycle.startLease(domain);
  });
  // ws reports protocol violations (bad opcode, oversize) here, then closes: nothing else to do.
  socket.on("error", (error) => xen.logger.debug({ err: error }, "websocket error"));
}
