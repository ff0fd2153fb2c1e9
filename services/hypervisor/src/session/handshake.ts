// The first frame of a connection: `join` (token + name → a fresh domain) or `resume` (domid +
// session key → the same domain, with every frame after the client's last one replayed).
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { xen } from "@xenfs/proto";
import type { WebSocket } from "ws";
import { Domain } from "../domain/domain.js";
import { takeOverDom0 } from "../domain/takeover.js";
import { errno } from "../errors.js";
import { faultsOnJoin } from "../faults/domain-faults.js";
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

function sameSecret(given: string | Uint8Array, expected: string | Uint8Array): boolean {
  const a = typeof given === "string" ? Buffer.from(given) : Buffer.from(given);
  const b = typeof expected === "string" ? Buffer.from(expected) : Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

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
  const logger = config.logger.child({ domid });
  let domain: Domain | undefined;
  const session = new Session({
    domid,
    limits: config.limits,
    faults: config.faults,
    logger,
    collectEvents: () => domain?.evtchn.collect() ?? [],
    boundPorts: () => boundPorts(domain),
  });
  domain = new Domain(domid, args.name, randomBytes(SESSION_KEY_BYTES), maxFrames, session);
  domains.add(domain);
  session.lastCallSeq = seq; // the join is the session's first call: the next is seq + 1
  session.attach(socket);
  const joined = domain;
  if (config.xenstore) {
    joined.xs = config.xenstore.connect(domid, (path, token) =>
      xen.upcall(joined, { xsWatchEvent: { path, token } }),
    );
    config.xenstore.introduceDomain(domid, args.name);
  }
  xen.announce(joined, "running");
  session.replyNow(seq, {
    status: 0,
    join: {
      domid,
      sessionKey: joined.sessionKey,
      leaseMs: config.leaseMs,
      maxFrames,
      maxPayload: config.limits.maxPayload,
      maxInflight: config.limits.maxInflight,
      ...memoryPlace(xen),
    },
  });
  logger.info({ name: args.name }, "domain joined");
  faultsOnJoin(xen, joined);
  return joined;
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
