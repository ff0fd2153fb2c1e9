// A minimal XenFS frontend for the backend's tests: the xenbus handshake, the ring, and pages
// granted to dom0 for arguments and results. Requests are sent as they are given, bad ones too.
import {
  type FsRequest,
  type FsResponse,
  fsRequestCodec,
  fsResponseCodec,
  type PageArg,
  pathCodec,
  XENFS_DEVICE,
} from "@xenfs/fsproto";
import type { XenDomain } from "@xenfs/libxen";
import { defineRingTypes, type SlotCodec } from "@xenfs/ring";
import { type BackendInfo, type FrontendDriver, RingFront, XenbusFrontend, XenbusKey } from "@xenfs/xenbus";

/** A request, or raw slot bytes (a malformed request the backend must refuse). */
type Outgoing = FsRequest | { readonly raw: Uint8Array };

const outgoing: SlotCodec<Outgoing> = {
  size: fsRequestCodec.size,
  encode: (value, slot) => ("raw" in value ? slot.set(value.raw) : fsRequestCodec.encode(value, slot)),
  decode: (slot) => fsRequestCodec.decode(slot),
};
const testRing = defineRingTypes(outgoing, fsResponseCodec);

type Unsent = FsRequest extends infer R ? (R extends FsRequest ? Omit<R, "id"> : never) : never;

export interface GuestPage {
  readonly gpfn: number;
  readonly ref: number;
}

export class TestFront implements FrontendDriver {
  #ring: RingFront<Outgoing, FsResponse> | undefined;
  readonly #pending = new Map<number, (response: FsResponse) => void>();
  #nextId = 1;
  #xenbus: XenbusFrontend | undefined;
  #connections = 0;
  readonly #connectedWaiters: { n: number; resolve: () => void }[] = [];

  private constructor(readonly domain: XenDomain) {}

  /** Starts the handshake and waits until both ends are Connected. */
  static async mount(domain: XenDomain): Promise<TestFront> {
    const front = new TestFront(domain);
    front.#xenbus = new XenbusFrontend(domain, { type: XENFS_DEVICE, devid: 0 }, front);
    await front.#xenbus.start();
    await front.connectedTimes(1);
    return front;
  }

  /** Resolves once both ends have been Connected `n` times (a new backend is a new connection). */
  connectedTimes(n: number): Promise<void> {
    if (this.#connections >= n) return Promise.resolve();
    return new Promise((resolve) => this.#connectedWaiters.push({ n, resolve }));
  }

  get connections(): number {
    return this.#connections;
  }

  async initialise(backend: BackendInfo): Promise<Record<string, string>> {
    const ring = await RingFront.create(this.domain, backend.domid, testRing);
    this.#ring = ring;
    ring.onResponses(() => {
      for (let got = ring.ring.consumeResponse(); got; got = ring.ring.consumeResponse()) {
        if (got.ok) this.#pending.get(got.value.id)?.(got.value);
      }
    });
    return {
      [XenbusKey.ringRef]: String(ring.ringRef),
      [XenbusKey.eventChannel]: String(ring.port),
      mode: "shared",
    };
  }

  connected(): void {
    this.#connections += 1;
    for (const waiter of this.#connectedWaiters.filter((w) => this.#connections >= w.n)) {
      this.#connectedWaiters.splice(this.#connectedWaiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }

  async disconnected(): Promise<void> {
    await this.#ring?.destroy();
    this.#ring = undefined;
  }

  /** Sends one request and waits for its response. */
  call(request: Unsent): Promise<FsResponse> {
    const id = this.#nextId++;
    return this.#send({ ...request, id } as FsRequest, id);
  }

  /** Sends a request as given: its own id, generation and re-issue flag. */
  send(request: FsRequest): Promise<FsResponse> {
    return this.#send(request, request.id);
  }

  /** Puts raw bytes in a request slot and waits for the answer to `id`. */
  callRaw(slot: Uint8Array, id: number): Promise<FsResponse> {
    return this.#send({ raw: slot }, id);
  }

  async #send(request: Outgoing, id: number): Promise<FsResponse> {
    const ring = this.#ring;
    if (!ring) throw new Error("not connected");
    const answered = new Promise<FsResponse>((resolve) => this.#pending.set(id, resolve));
    ring.ring.produceRequest(request);
    await ring.push();
    const response = await answered;
    this.#pending.delete(id);
    return response;
  }

  /** A fresh frame of the guest's, granted to dom0 (writable, so dom0 can copy results in). */
  async page(bytes: Uint8Array = new Uint8Array(0)): Promise<GuestPage> {
    if (this.domain.grants.nrEntries === 0) await this.domain.grants.setup(1);
    const [gpfn] = (await this.domain.memory.populatePhysmap(1)) as [number];
    if (bytes.length > 0) await this.domain.memory.write(gpfn, 0, bytes);
    return { gpfn, ref: await this.domain.grants.grantAccess(0, gpfn) };
  }

  /** A path in a granted page, as a request's PageArg. */
  async path(path: string): Promise<PageArg> {
    const bytes = pathCodec.encode(path);
    const { ref } = await this.page(bytes);
    return { gref: ref, length: bytes.length };
  }

  async read(page: GuestPage, length: number): Promise<Uint8Array> {
    return this.domain.memory.read(page.gpfn, 0, length);
  }

  async unmount(): Promise<void> {
    await this.#xenbus?.close();
  }
}
