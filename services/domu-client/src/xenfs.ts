// mount(): the XenFS device of a guest, from xenbus handshake to an fs/promises-shaped object.
import { O, XENFS_DEVICE } from "@xenfs/fsproto";
import type { GrantRevokeEvent, XenDomain } from "@xenfs/libxen";
import { GRANT_ENTRIES_PER_FRAME } from "@xenfs/proto";
import { envDefault } from "@xenfs/service-kit";
import { xenbusStateName } from "@xenfs/xenbus";
import { DOMU_ENV } from "./env.js";
import { GatedDataPath } from "./frontend/data-gate.js";
import { XenfsFrontendDriver } from "./frontend/driver.js";
import { GrantedPagePool } from "./frontend/granted-pages.js";
import type { XenfsMode } from "./frontend/modes.js";
import { RequestClient } from "./frontend/request-client.js";
import { SuspendableDevice } from "./frontend/suspend.js";
import { CopyPages } from "./mount/copy/copy-pages.js";
import { OwnPageCache } from "./mount/copy/own-page-cache.js";
import { PageFlip } from "./mount/copy/page-flip.js";
import { MountCounters } from "./mount/counters.js";
import type { DataPath } from "./mount/data-path.js";
import { Files } from "./mount/files.js";
import { HandleCache } from "./mount/handle-cache.js";
import { Mapper } from "./mount/mmap/mapper.js";
import { XenfsMount } from "./mount/mount.js";
import { Remote } from "./mount/remote.js";
import { AttrPages } from "./mount/shared/attr-pages.js";
import { CowWrites } from "./mount/shared/cow-writes.js";
import { PageTable } from "./mount/shared/page-table.js";
import { READAHEAD } from "./mount/shared/readahead.js";
import { SharedPages } from "./mount/shared/shared-pages.js";

export interface MountOptions {
  readonly mode?: XenfsMode;
  /**
   * Copy mode: pages come and whole-page writes go by page flipping (GNTTABOP_transfer) when
   * dom0 offers feature-page-flip (docs/xenfs.md "Page flipping"). Off unless asked for.
   */
  readonly pageFlip?: boolean;
  readonly devid?: number;
  /** Longest a request waits for its answer, backend reconnects included. */
  readonly requestTimeoutMs?: number;
  /**
   * Longest mount() waits for the backend to connect; 0 (the default) waits as long as it takes,
   * since a busy dom0 (many guests starting at once) is slow, not gone.
   */
  readonly connectTimeoutMs?: number;
  /** Told, at growing intervals, how long mount() has been waiting for the backend so far. */
  readonly onWaiting?: (waitedMs: number) => void;
  /** Frames of file data kept: mapped (shared) or the guest's own (copy). */
  readonly maxPagesHeld?: number;
  /** Files kept open by path (shared mode). */
  readonly handleCacheSize?: number;
  /** Failures nobody awaits (an unmap refused, a broken ring). */
  readonly onError?: (error: Error) => void;
  /**
   * Where requests and bytes are counted. A service passes the same one to every mount it makes,
   * so its totals go on across remounts.
   */
  readonly counters?: MountCounters;
}

/** The environment's defaults (env.ts) where XENFS_* variables set an option. */
const DEFAULTS = {
  // XENFS_MODE's default; `block` is not this device's (guest-mount.ts picks the mount).
  mode: "shared",
  pageFlip: envDefault(DOMU_ENV, "XENFS_PAGE_FLIP"),
  devid: 0,
  requestTimeoutMs: envDefault(DOMU_ENV, "XENFS_REQUEST_TIMEOUT_MS"),
  connectTimeoutMs: envDefault(DOMU_ENV, "XENFS_CONNECT_TIMEOUT_MS"),
  onWaiting: () => {},
  maxPagesHeld: 2048,
  handleCacheSize: 64,
  onError: () => {},
} satisfies Omit<Required<MountOptions>, "counters">;

/** dom0 serves XenFS. */
const BACKEND_DOMID = 0;
/**
 * Argument pages (read-only), result pages and indirect gref-list pages (writable) kept granted.
 * The list pages are granted at mount, so reading never grows the guest's own frames.
 */
const POOLS = { args: 64, results: 8, lists: 8 } as const;
/** Largest read window in shared mode (pages mapped and read per round). */
const MAX_WINDOW_PAGES = 256;
/** Pages per map_pages request: a read window in one indirect request. */
const MAP_REQUEST_PAGES = 256;
/** Copy-mode frames beyond the budget, for requests in flight. */
const COPY_HEADROOM = 32 * 23;

/** Page flipping asked for outside copy mode, where no read goes through the guest's own pages. */
export class PageFlipModeError extends Error {
  override readonly name = "PageFlipModeError";
  readonly code = "EINVAL";
  constructor(mode: XenfsMode) {
    super(`page flipping is a copy-mode feature; XENFS_MODE is ${mode}`);
  }
}

export class MountError extends Error {
  override readonly name = "MountError";
  readonly code = "ENOTCONN";
}

export async function mount(domain: XenDomain, options: MountOptions = {}): Promise<XenfsMount> {
  const o = { ...DEFAULTS, ...options };
  if (o.pageFlip && o.mode !== "copy") throw new PageFlipModeError(o.mode);
  const counters = o.counters ?? new MountCounters();
  const client = new RequestClient({
    deadlineMs: o.requestTimeoutMs,
    onRequest: (op) => counters.request(op),
    onError: o.onError,
    trace: domain.trace,
    backendDomid: BACKEND_DOMID,
  });
  const copyPool = o.mode === "copy" ? o.maxPagesHeld + COPY_HEADROOM : 0;
  await ensureGrantEntries(domain, POOLS.args + POOLS.results + POOLS.lists + copyPool + 1);
  const pool = (readonly: boolean, max: number) =>
    new GrantedPagePool(domain, { backendDomid: BACKEND_DOMID, readonly, max });
  const pools = {
    args: pool(true, POOLS.args),
    results: pool(false, POOLS.results),
    lists: pool(false, POOLS.lists),
  };
  await pools.lists.reserve(POOLS.lists);
  const remote = new Remote(domain, client, pools);

  let data: DataPath;
  let onRevoke = (_event: GrantRevokeEvent) => false;
  let closePool = async () => {};
  let cow: CowWrites | undefined;
  if (o.mode === "shared" || o.mode === "cow") {
    const pages = new PageTable(domain, {
      backendDomid: BACKEND_DOMID,
      maxPages: o.maxPagesHeld,
      release: (grefs) => remote.releasePages(grefs),
      onError: o.onError,
      copyToWrite: o.mode === "cow",
    });
    if (o.mode === "cow") cow = new CowWrites(pages);
    const attrs = new AttrPages(domain, BACKEND_DOMID, o.onError);
    // A round's window and the read-ahead beyond it fit the budget twice over.
    const windowPages = Math.max(1, Math.min(MAX_WINDOW_PAGES, Math.floor(o.maxPagesHeld / 2)));
    const readaheadPages = Math.max(0, Math.min(READAHEAD.maxPages, o.maxPagesHeld - 2 * windowPages));
    const sizes = { windowPages, readaheadPages, requestPages: MAP_REQUEST_PAGES };
    data = new SharedPages(o.mode, remote, pages, attrs, counters, sizes);
    onRevoke = (event) => pages.onRevoke(event) || attrs.onRevoke(event);
  } else {
    const frames = pool(false, copyPool);
    const flip = o.pageFlip
      ? { pages: new PageFlip(domain, remote, BACKEND_DOMID, counters), on: () => driver.pageFlip }
      : undefined;
    data = new CopyPages(domain, remote, new OwnPageCache(frames, o.maxPagesHeld), flip);
    closePool = () => frames.close();
  }
  const gated = new GatedDataPath(data);
  const files = new Files(remote, gated, counters, cow);
  // Not in cow mode: a file this guest changes is copied up to a new inode in its overlay, and
  // only the guest itself knows (the base's attribute record is every guest's), so a handle kept
  // by path could go on reading the base.
  const handles =
    o.mode === "shared"
      ? new HandleCache(o.handleCacheSize, {
          open: (path) => files.open(path, O.O_RDONLY, 0),
          close: (file) => files.close(file),
          reusable: (file) => file.epoch === remote.epoch && data.reusable(file),
        })
      : undefined;

  const revoke = (event: GrantRevokeEvent) => {
    // Not XenFS's: do what libxen does with no listener, honour it.
    if (!onRevoke(event) && !event.forced) domain.grants.unmapGrantRef(event.handle).catch(o.onError);
  };
  domain.grants.on("revoke", revoke);

  const driver = new XenfsFrontendDriver(domain, client, o.mode, o.pageFlip);
  let dropped = Promise.resolve();
  driver.on("disconnected", () => {
    // fds, mappings and attribute pages belonged to that backend.
    void handles?.clear(false);
    dropped = data.reset().catch(o.onError);
  });
  const mapper = new Mapper(domain, remote, files, BACKEND_DOMID);
  // Across xl save/restore and xl migrate: a new frontend for each restored domain.
  const device = new SuspendableDevice({
    domain,
    id: { type: XENFS_DEVICE, devid: o.devid },
    driver,
    client,
    mapper,
    data: gated,
    dropped: () => dropped,
  });
  const unmount = async () => {
    device.close();
    await mapper.close();
    await handles?.clear(true);
    await data.close();
    await device.frontend.close();
    client.close();
    domain.grants.off("revoke", revoke);
    await Promise.all([pools.args.close(), pools.results.close(), pools.lists.close(), closePool()]);
  };

  const connected = new Promise<void>((resolve) => driver.once("connected", () => resolve()));
  await device.frontend.start();
  if (!(await waitConnected(connected, o.connectTimeoutMs, o.onWaiting))) {
    await unmount();
    throw new MountError(`no XenFS backend connected within ${o.connectTimeoutMs}ms`);
  }
  return new XenfsMount({
    remote,
    files,
    counters,
    handles,
    mapper,
    lifecycle: {
      state: () => xenbusStateName(device.frontend.state),
      unmount,
      abandon: () => client.close(),
      moves: () => device.figures,
    },
  });
}

/** First "still waiting" after 1 s, then at doubling intervals up to every 30 s. */
const WAIT_REPORT_MIN_MS = 1_000;
const WAIT_REPORT_MAX_MS = 30_000;

/** true once `connected` settles; false when a bound (timeoutMs > 0) passes first. */
export async function waitConnected(
  connected: Promise<void>,
  timeoutMs: number,
  onWaiting: (waitedMs: number) => void,
): Promise<boolean> {
  const started = Date.now();
  const done = connected.then(() => "connected" as const);
  for (let pause = WAIT_REPORT_MIN_MS; ; pause = Math.min(2 * pause, WAIT_REPORT_MAX_MS)) {
    const waited = Date.now() - started;
    const step = timeoutMs > 0 ? Math.min(pause, timeoutMs - waited) : pause;
    if (step <= 0) return false;
    let timer: NodeJS.Timeout | undefined;
    const tick = new Promise<"tick">((resolve) => {
      timer = setTimeout(() => resolve("tick"), step);
    });
    const outcome = await Promise.race([done, tick]);
    clearTimeout(timer);
    if (outcome === "connected") return true;
    if (timeoutMs > 0 && Date.now() - started >= timeoutMs) return false;
    onWaiting(Date.now() - started);
  }
}

/** A grant table big enough for the pools; set up once, before the ring takes its entry. */
async function ensureGrantEntries(domain: XenDomain, entries: number): Promise<void> {
  const frames = Math.ceil(entries / GRANT_ENTRIES_PER_FRAME);
  if (domain.grants.nrEntries < frames * GRANT_ENTRIES_PER_FRAME) await domain.grants.setup(frames);
}
