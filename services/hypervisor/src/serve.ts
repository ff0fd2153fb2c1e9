// What happens to an authenticated domain's inbound envelope: acks trim the replay buffer;
// calls and multicalls are numbered (a seq at or below the last accepted one never runs
// again), held while the domain is paused (up to the in-flight limit, then −EBUSY), or served
// with one reply each.
import type { Envelope, xen as wire } from "@xenfs/proto";
import { failure, runHypercall } from "./dispatch.js";
import type { Domain } from "./domain/domain.js";
import { errno } from "./errors.js";
import { sessionOf, WS_CLOSE } from "./session/session.js";
import type { Xen } from "./xen.js";

export function receive(xen: Xen, domain: Domain, envelope: Envelope): void {
  const session = sessionOf(domain);
  if (envelope.body === "ack") {
    session.ack(envelope.ack?.lastSeq ?? 0);
  } else if (envelope.body !== "call" && envelope.body !== "multicall") {
    session.close(WS_CLOSE.policy, `EPROTO: a domain sends calls, multicalls and acks, not ${envelope.body}`);
  } else if (envelope.seq <= session.lastCallSeq) {
    const stale = `call seq ${envelope.seq} is not above ${session.lastCallSeq}; it was already accepted`;
    // Queued, not sent at once: a duplicated call's copy must not overtake the original's reply.
    session.push({ kind: "reply", replyTo: envelope.seq, reply: failure(errno("EINVAL", stale)) });
  } else if (domain.state === "paused" && session.heldCalls.length >= session.limits.maxInflight) {
    const busy = `${session.heldCalls.length} calls already queued while paused`;
    session.replyNow(envelope.seq, failure(errno("EBUSY", busy)));
  } else {
    // shm domains' writes are in memory already, unseen: socket copies catch up before any call
    // runs — an shm domain's (its write, then notify) and a socket domain's (its barrier).
    xen.memory.publishShmWrites();
    session.lastCallSeq = envelope.seq;
    if (domain.state === "paused") session.heldCalls.push(envelope);
    else serve(xen, domain, envelope);
  }
}

function serve(xen: Xen, domain: Domain, envelope: Envelope): void {
  if (envelope.call) {
    const reply = runHypercall(xen, domain, envelope.call as wire.Hypercall);
    sessionOf(domain).push({ kind: "reply", replyTo: envelope.seq, reply });
    return;
  }
  const calls = envelope.multicall?.calls ?? [];
  // HYPERVISOR_multicall: in order, one result each, none skipped because another failed.
  const results = calls.map((call) => runHypercall(xen, domain, call as wire.Hypercall));
  sessionOf(domain).push({ kind: "multicallReply", replyTo: envelope.seq, results });
}

/** On unpause: the calls queued while paused run in arrival order. */
export function serveHeld(xen: Xen, domain: Domain): void {
  const held = sessionOf(domain).heldCalls.splice(0);
  for (const envelope of held) if (domain.live) serve(xen, domain, envelope);
}
