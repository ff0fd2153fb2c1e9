// One connected guest: its ring, its requests served concurrently as RequestOrder allows (in
// ring order where they conflict) and each answered as it completes. Each slot is copied out and
// decoded by the ring before anything acts on it; a request that does not decode is answered
// EPROTO, a failed one with its errno, and neither changes anything else.
import type { FsErrnoName, FsOp, FsRequest, FsResponse } from "@xenfs/fsproto";
import type { Consumed } from "@xenfs/ring";
import type { Logger } from "@xenfs/service-kit";
import { type RingBack, RingServer } from "@xenfs/xenbus";
import { ExportError } from "../export/index.js";
import type { OverlayFs } from "../overlay/index.js";
import type { RequestKey } from "../reply-cache/reply-cache.js";
import type { Dom0Services, OpHandler, RequestContext } from "./context.js";
import { outcomeOf, reopenOf, requestKey } from "./duplicate-requests.js";
import { errnoOf } from "./errors.js";
import type { GuestFlips } from "./flip/guest-flips.js";
import { GuestFiles } from "./guest-files.js";
import type { GuestPages } from "./guest-pages.js";
import { intend, tookEffect } from "./intents.js";
import { OP_HANDLERS } from "./ops/index.js";
import { claimsOf } from "./request-claims.js";
import { RequestOrder } from "./request-order.js";

/** Refusals of a path that leads out of the export, logged as a guest's attempt. */
const ESCAPES: ReadonlySet<string> = new Set(["EACCES", "EXDEV"]);

export class GuestSession {
  readonly files = new GuestFiles();
  readonly #order = new RequestOrder();
  readonly #server: RingServer<FsRequest, FsResponse>;
  readonly #ctx: RequestContext;

  constructor(
    readonly domid: number,
    /** The guest's domain name: what its replies are cached under (a rejoined guest's domid changes). */
    readonly name: string,
    private readonly ring: RingBack<FsRequest, FsResponse>,
    private readonly pages: GuestPages,
    private readonly host: Dom0Services,
    private readonly log: Logger,
    private readonly onRequest: (op: FsOp | "undecodable") => void,
    /** cow mode: the guest's overlay; otherwise its requests see the export itself. */
    overlay?: OverlayFs,
    /** Copy mode with page flipping: the refs offered to the guest and the frames in them. */
    private readonly flips?: GuestFlips,
  ) {
    const fs = overlay ?? host.exportFs;
    this.#ctx = { domid, host, pages, files: this.files, fs, overlay, flips };
    this.#server = new RingServer(ring, (got) => this.#serve(got), log);
  }

  start(): void {
    this.#server.start();
  }

  /** Stops serving, then closes the guest's files and ends everything granted to it. */
  async close(): Promise<void> {
    await this.#server.stop();
    await this.ring.destroy();
    const { attrs, cache, mmaps } = this.host;
    // Before the files close: a dirty mapped page is written back through the guest's fd.
    await mmaps.releaseGuest(this.domid).catch(() => {});
    await this.#ctx.fs.closeGuest(this.domid);
    await attrs.releaseGuest(this.domid);
    await cache.releaseGuest(this.domid);
    await this.flips?.close();
    await this.pages.close();
  }

  /** dom0's domain died and its ring, grants and pages with it: stop serving, close the files. */
  async abandon(): Promise<void> {
    await this.#server.stop();
    await this.#ctx.fs.closeGuest(this.domid);
  }

  /** Served in ring order where requests conflict (RequestOrder), concurrently otherwise. */
  #serve(got: Consumed<FsRequest>): Promise<FsResponse | undefined> {
    // A request whose turn comes after the session closed is not served.
    const trace = this.host.dom0.trace;
    const start = trace.begin(); // taken off the ring now; undefined while nobody traces
    const answer = async () => {
      if (this.#server.stopped) return undefined;
      const response = await this.#answer(got);
      if (start !== undefined && got.ok) trace.end(start, got.value.op, got.value.id, this.domid, "back");
      return response;
    };
    return got.ok ? this.#order.run(claimsOf(got.value, this.files), answer) : answer();
  }

  async #answer(got: Consumed<FsRequest>): Promise<FsResponse> {
    if (!got.ok) {
      this.onRequest("undecodable");
      this.log.warn({ reason: got.error.message }, "request does not decode");
      return { op: null, id: got.rawId ?? 0, ok: false, code: "EPROTO" };
    }
    const request = got.value;
    this.onRequest(request.op);
    const key = requestKey(this.name, request);
    const first = key && request.reissue ? this.host.replies.lookup(key) : undefined;
    if (first)
      this.log.debug({ op: request.op, id: request.id }, "re-issued request answered from the reply cache");
    if (first && !first.ok) return { op: request.op, id: request.id, ok: false, code: first.code };
    if (first && request.op !== "open") return { op: request.op, id: request.id, ok: true } as FsResponse;
    // An exclusive open that succeeded the first time: its fd died with that connection.
    const run = first && request.op === "open" ? reopenOf(request) : request;
    // A re-issue whose first attempt was noted but never answered (dom0 died in between).
    const earlier = key && !first && request.reissue ? this.host.replies.intentOf(key) : undefined;
    if (key && !first) await intend(this.host.replies, key, request, this.#ctx);
    let response: FsResponse;
    let failure: unknown;
    try {
      // The table is keyed by op, so the handler takes this request's type.
      const handler = OP_HANDLERS[run.op] as OpHandler<FsOp>;
      const body = await handler(run as never, this.#ctx);
      response = { ...body, op: request.op, id: request.id, ok: true } as FsResponse;
    } catch (error) {
      const code = errnoOf(error);
      if (earlier && (await tookEffect(request, earlier, code, this.#ctx))) {
        this.log.debug(
          { op: request.op, id: request.id },
          "re-issued request had taken effect before dom0 died",
        );
        response = { op: request.op, id: request.id, ok: true } as FsResponse;
      } else {
        failure = error;
        this.#report(request.op, code, error);
        response = { op: request.op, id: request.id, ok: false, code };
      }
    }
    if (key && !first) await this.#remember(key, response, failure);
    return response;
  }

  /** Journals a non-idempotent request's answer before it is sent. */
  async #remember(key: RequestKey, response: FsResponse, failure: unknown): Promise<void> {
    const outcome = response.ok ? { ok: true as const } : outcomeOf(failure, response.code as FsErrnoName);
    if (!outcome) return;
    try {
      await this.host.replies.record(key, outcome);
    } catch (error) {
      this.log.error({ err: error }, "could not journal a reply; a re-issue of it would run again");
    }
  }

  #report(op: FsOp, code: string, error: unknown): void {
    if (error instanceof ExportError && ESCAPES.has(code)) {
      this.log.warn(
        { op, code, path: error.path, reason: error.reason },
        "refused a path outside the export",
      );
    } else if (code === "EIO") {
      this.log.error({ op, err: error }, "request failed");
    } else {
      this.log.debug({ op, code, reason: (error as Error).message }, "request refused");
    }
  }
}
