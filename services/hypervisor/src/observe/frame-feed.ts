// The dashboard's live feed of the frame map and the grant graph: one ticker for every client,
// running only while someone watches. A client gets the whole map when it connects, then each
// tick only the frames that changed; the graph whenever it differs. A client too slow to take a
// tick is sent the whole map again once its socket drains, so it never misses a change.
import type { Xen } from "../xen.js";
import { encodeFrameMap, type FrameMap, FrameMapper, frameDelta } from "./frame-map.js";
import { grantGraph } from "./grant-graph.js";

export const FEED_TICK_MS = 500;

export interface FeedClient {
  /** Writes one event; false when the client's buffer is full (the write was still queued). */
  send(event: string, data: unknown): boolean;
  /** Calls back once what was queued has gone. */
  onDrain(fn: () => void): void;
}

export class FrameFeed {
  readonly #mapper: FrameMapper;
  readonly #clients = new Map<FeedClient, { stale: boolean }>();
  #timer: NodeJS.Timeout | undefined;
  #last: FrameMap | undefined;
  #graph = "";

  constructor(
    private readonly xen: Xen,
    private readonly tickMs = FEED_TICK_MS,
  ) {
    this.#mapper = new FrameMapper(xen);
  }

  get mapper(): FrameMapper {
    return this.#mapper;
  }

  add(client: FeedClient): () => void {
    if (!this.#last) this.#last = this.#mapper.snapshot();
    if (this.#graph === "") this.#graph = JSON.stringify(grantGraph(this.xen));
    this.#clients.set(client, { stale: false });
    this.#whole(client);
    this.#timer ??= setInterval(() => this.tick(), this.tickMs).unref();
    return () => {
      this.#clients.delete(client);
      if (this.#clients.size > 0) return;
      clearInterval(this.#timer);
      this.#timer = undefined;
      this.#last = undefined;
      this.#graph = "";
    };
  }

  /** One tick: the frames that changed since the last, and the graph if it changed. */
  tick(): void {
    const before = this.#last;
    const now = this.#mapper.snapshot();
    this.#last = now;
    const changes = before ? frameDelta(before, now) : [];
    const graph = JSON.stringify(grantGraph(this.xen));
    const graphChanged = graph !== this.#graph;
    this.#graph = graph;
    for (const [client, state] of this.#clients) {
      if (state.stale) continue;
      let ok = true;
      if (changes.length > 0) ok = client.send("delta", { changes, types: now.types });
      if (graphChanged) ok = client.send("graph", JSON.parse(graph)) && ok;
      if (!ok) this.#markStale(client, state);
    }
  }

  #whole(client: FeedClient): void {
    const ok = client.send("snapshot", encodeFrameMap(this.#last ?? this.#mapper.snapshot()));
    const okGraph = client.send("graph", JSON.parse(this.#graph));
    const state = this.#clients.get(client);
    if ((!ok || !okGraph) && state) this.#markStale(client, state);
  }

  #markStale(client: FeedClient, state: { stale: boolean }): void {
    state.stale = true;
    client.onDrain(() => {
      if (!this.#clients.has(client)) return;
      state.stale = false;
      this.#whole(client);
    });
  }
}
