// The first frame of a connection: `join` (token + name → a fresh domain), `resume` (domid +
// session key → the same domain, with every frame after the client's last one replayed) or
// `attach` (name + session key → a domain restored from an image, with a fresh session).
import { randomBytes } from "node:crypto";
import type { xen } from "@xenfs/proto";
import type { WebSocket } from "ws";
import { Domain } from "../domain/domain.js";
import { takeOverDom0 } from "../domain/takeover.js";
import { errno } from "../errors.js";
import { faultsOnJoin } from "../faults/domain-faults.js";
import { memoryTransportOf, setMemoryTransport } from "../memory/ops.js";
import { sameSecret } from "../secret.js";
import { traceEventPending } from "../trace/tracer.js";
import type { Xen } from "../xen.js";
import { Session, sessionOf } from "./session.js";

const SESSION_KEY_BYTES = 32;

function boundPorts(domain: Domain | undefined): number[] {
  const ports: number[] = [];
  for (const [port, channel] of domain?.evtchn.entries() ?? [])
    if (channel.state !== "unbound") ports.push(port);
  return ports;
}
const DOMAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Where machine memory is, for a domain that will open it itself (the shm transport). */
function memoryPlace(xen: Xen) {
  const { memory } = xen.config;
  return { memoryPath: memory.path, memoryFrames: memory.frames, memoryIno: memory.ino };
}

export function join(xen: Xen, socket: WebSocket, seq: number, args: xen.JoinArgs): Domain {
  const { config, domains } = xen;
  const asDom0 = sameSecret(args.token, config.dom0Token);
  if (!asDom0 && !sameSecret(args.token, config.clusterToken)) throw errno("EACCES", "bad token");
  if (!DOMAIN_NAME.test(args.name))
    throw errno("EINVAL", "name must be 1-64 of [A-Za-z0-9_.-], starting alphanumeric");
  if (asDom0) takeOverDom0(xen);
  if (domains.nameTaken(args.name)) throw errno("EEXIST", `a live domain is already named ${args.name}`);
  const domid = asDom0 ? 0 : domains.freeGuestDomid();
  if (domid === undefined) throw errno("ENOSPC", "no free domain id");

  const maxFrames = Math.min(args.maxFrames || config.totalFrames, config.totalFrames);
  const joined = newDomain(xen, domid, args.name, randomBytes(SESSION_KEY_BYTES), maxFrames);
  const session = sessionOf(joined);
  session.lastCallSeq = seq; // the join is the session's first call: the next is seq + 1
  session.attach(socket);
  xen.announce(joined, "running");
  session.replyNow(seq, { status: 0, join: joinResult(xen, joined) });
  config.logger.info({ domid, name: args.name }, "domain joined");
  faultsOnJoin(xen, joined);
  return joined;
}

function joinResult(xen: Xen, domain: Domain): xen.JoinResult.$Properties {
  const { config } = xen;
  return {
    domid: domain.domid,
    sessionKey: domain.sessionKey,
    leaseMs: config.leaseMs,
    maxFrames: domain.maxFrames,
    maxPayload: config.limits.maxPayload,
    maxInflight: config.limits.maxInflight,
    ...memoryPlace(xen),
  };
}

/**
 * A domain with its session (no socket yet) and XenStore connection, registered and
 * introduced: what join makes, and what a restore makes before its process attaches.
 */
export function newDomain(xen: Xen, domid: number, name: string, key: Uint8Array, maxFrames: number): Domain {
  const { config, domains } = xen;
  let domain: Domain | undefined;
  const session = new Session({
    domid,
    limits: config.limits,
    faults: config.faults,
    logger: config.logger.child({ domid }),
    collectEvents: () => domain?.evtchn.collect() ?? [],
    boundPorts: () => boundPorts(domain),
    eventsSent: traceEventPending(xen.trace, domid),
  });
  domain = new Domain(domid, name, key, maxFrames, session);
  domains.add(domain);
  const made = domain;
  if (config.xenstore) {
    made.xs = config.xenstore.connect(domid, (path, token) =>
      xen.upcall(made, { xsWatchEvent: { path, token } }),
    );
    config.xenstore.introduceDomain(domid, name);
  }
  return made;
}

/**
 * A guest process takes up its restored domain: the name it was saved under and the key of the
 * session that suspended it. Answered as a join (a fresh session on this hypervisor, new domid),
 * then the domain runs and the calls it queued are served (docs/migration.md#attach).
 */
export function attach(xen: Xen, socket: WebSocket, seq: number, args: xen.AttachArgs): Domain {
  // Checked before anything changes: a bad transport leaves the domain to the next attach.
  const transport = args.transport ? memoryTransportOf(args.transport) : undefined;
  const domain = xen.domains
    .all()
    .find(
      (d) => d.live && d.awaitingAttach && d.name === args.name && sameSecret(args.sessionKey, d.sessionKey),
    );
  // As resume: the same answer for "not restored (yet)" and "wrong key".
  if (!domain) throw errno("EACCES", "no such session");
  clearTimeout(domain.leaseTimer);
  domain.leaseTimer = undefined;
  domain.awaitingAttach = false;
  domain.suspended = false;
  domain.onAttach?.();
  domain.onAttach = undefined;
  // As mem_transport would set it, one round trip sooner.
  if (transport) setMemoryTransport(xen, domain, transport);
  const session = sessionOf(domain);
  session.renew();
  session.attach(socket);
  // Its own plain frames where they are now: the process rebinds them without mem_translate
  // (foreign, read-only and copy-to-write ones it still asks about).
  const own = [...domain.p2m].filter(([, e]) => !e.foreign && !e.readonly && !e.cow);
  session.replyNow(seq, {
    status: 0,
    join: {
      ...joinResult(xen, domain),
      ownGpfns: own.map(([gpfn]) => gpfn),
      ownMfns: own.map(([, entry]) => entry.frame.mfn),
    },
  });
  // Ports that were pending in the image (or went pending since) are delivered now.
  if (domain.evtchn.upcallPending) session.raiseEvents();
  xen.lifecycle.unpause(domain);
  xen.logger.info({ domid: domain.domid, name: domain.name }, "restored domain attached");
  return domain;
}

export function resume(xen: Xen, socket: WebSocket, seq: number, args: xen.ResumeArgs): Domain {
  const domain = xen.domains.live(args.domid);
  // The same answer for "no such domain" and "wrong key": a probe learns nothing.
  if (!domain || !sameSecret(args.sessionKey, domain.sessionKey)) throw errno("EACCES", "no such session");
  const session = sessionOf(domain);
  const frames = session.replayAfter(args.lastSeq);
  if (!frames) throw errno("ERANGE", `frames after seq ${args.lastSeq} can no longer be replayed`);
  clearTimeout(domain.leaseTimer);
  domain.leaseTimer = undefined;
  session.attach(socket);
  session.sendRaw(frames);
  session.replyNow(seq, {
    status: 0,
    resume: { lastCallSeq: session.lastCallSeq, ...memoryPlace(xen) },
  });
  xen.logger.info({ domid: domain.domid, replayed: frames.length }, "session resumed");
  return domain;
}
