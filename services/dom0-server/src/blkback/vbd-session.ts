// One connected guest's vbd: requests taken off its ring and served concurrently, each answered
// BLKIF_RSP_OKAY, _ERROR or _EOPNOTSUPP as Linux blkback answers them. A request that does not
// decode, names bad segments, reaches past the disk's end or writes a read-only disk is answered
// ERROR and changes nothing.

import type { XenDomain } from "@xenfs/libxen";
import {
  BLKIF_OP,
  BLKIF_RSP,
  BLKIF_SECTOR_SIZE,
  BLKIF_SECTORS_PER_PAGE,
  BLKIF_SEGS_PER_INDIRECT_FRAME,
  BlkifError,
  type BlkifRequest,
  type BlkifResponse,
  type BlkifSegment,
  decodeIndirectSegments,
  isIndirectRequest,
  isRwRequest,
} from "@xenfs/proto";
import type { Consumed } from "@xenfs/ring";
import type { Logger } from "@xenfs/service-kit";
import { type RingBack, RingServer } from "@xenfs/xenbus";
import type { VbdImage } from "./image.js";
import type { SegmentGrants } from "./segment-grants.js";

/** A request refused with a status, and why (logged). */
class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class VbdSession {
  // A flush is sent once the writes it covers are answered, so nothing orders requests here.
  readonly #server: RingServer<BlkifRequest, BlkifResponse>;
  /** Requests answered, by status. */
  readonly answered = { okay: 0, error: 0, eopnotsupp: 0 };
  /** INDIRECT requests taken. */
  indirect = 0;

  constructor(
    readonly domid: number,
    private readonly dom0: XenDomain,
    private readonly ring: RingBack<BlkifRequest, BlkifResponse>,
    private readonly image: VbdImage,
    readonly grants: SegmentGrants,
    private readonly maxIndirectSegments: number,
    private readonly log: Logger,
  ) {
    this.#server = new RingServer(ring, (got) => this.#serve(got), log);
  }

  start(): void {
    this.#server.start();
  }

  async close(): Promise<void> {
    await this.#server.stop();
    await this.ring.destroy();
    await this.grants.close();
  }

  async #serve(got: Consumed<BlkifRequest>): Promise<BlkifResponse> {
    const response = await this.#answer(got);
    if (response.status === BLKIF_RSP.OKAY) this.answered.okay++;
    else if (response.status === BLKIF_RSP.EOPNOTSUPP) this.answered.eopnotsupp++;
    else this.answered.error++;
    return response;
  }

  async #answer(got: Consumed<BlkifRequest>): Promise<BlkifResponse> {
    if (!got.ok) {
      const cause = got.error.cause;
      const operation = cause instanceof BlkifError && cause.operation !== undefined ? cause.operation : 0xff;
      this.log.warn({ reason: got.error.message }, "blkif request does not decode");
      return { id: BigInt(got.rawId ?? 0), operation, status: BLKIF_RSP.ERROR };
    }
    const req = got.value;
    try {
      await this.#run(req);
      return { id: req.id, operation: req.operation, status: BLKIF_RSP.OKAY };
    } catch (error) {
      const status = error instanceof Refusal ? error.status : BLKIF_RSP.ERROR;
      if (error instanceof Refusal)
        this.log.debug({ op: req.operation, reason: error.message }, "blkif request refused");
      else this.log.error({ op: req.operation, err: error }, "blkif request failed");
      return { id: req.id, operation: req.operation, status };
    }
  }

  async #run(req: BlkifRequest): Promise<void> {
    if (req.operation === BLKIF_OP.FLUSH_DISKCACHE) {
      if (this.image.readonly) throw new Refusal(BLKIF_RSP.ERROR, "flush of a read-only disk");
      await this.image.flush();
      return;
    }
    if (isRwRequest(req) && (req.operation === BLKIF_OP.READ || req.operation === BLKIF_OP.WRITE)) {
      await this.#transfer(req.operation, req.sector_number, req.seg);
      return;
    }
    if (isIndirectRequest(req)) {
      this.indirect++;
      if (req.nr_segments > this.maxIndirectSegments)
        throw new Refusal(
          BLKIF_RSP.ERROR,
          `${req.nr_segments} indirect segments > ${this.maxIndirectSegments}`,
        );
      const pages = await this.grants.map(req.indirect_grefs, true);
      let segs: BlkifSegment[] = [];
      try {
        for (const [i, gpfn] of pages.gpfns.entries()) {
          const count = Math.min(
            BLKIF_SEGS_PER_INDIRECT_FRAME,
            req.nr_segments - i * BLKIF_SEGS_PER_INDIRECT_FRAME,
          );
          // Copied out of the guest's page once, then validated and used (XSA-155).
          segs = segs.concat(decodeIndirectSegments(await this.dom0.memory.read(gpfn, 0, count * 8), count));
        }
      } finally {
        await pages.release();
      }
      await this.#transfer(req.indirect_op, req.sector_number, segs);
      return;
    }
    // WRITE_BARRIER, DISCARD and unknown operations: not offered.
    throw new Refusal(BLKIF_RSP.EOPNOTSUPP, `operation ${req.operation} is not supported`);
  }

  /** READ or WRITE of consecutive disk sectors from `sector`, scattered over the segments' pages. */
  async #transfer(op: 0 | 1, sector: bigint, segs: readonly BlkifSegment[]): Promise<void> {
    if (segs.length === 0) throw new Refusal(BLKIF_RSP.ERROR, "read or write of no segments");
    let total = 0;
    for (const seg of segs) {
      if (seg.last_sect >= BLKIF_SECTORS_PER_PAGE || seg.first_sect > seg.last_sect)
        throw new Refusal(
          BLKIF_RSP.ERROR,
          `segment sectors ${seg.first_sect}..${seg.last_sect} leave the page`,
        );
      total += seg.last_sect - seg.first_sect + 1;
    }
    if (sector + BigInt(total) > BigInt(this.image.sectors))
      throw new Refusal(
        BLKIF_RSP.ERROR,
        `sectors ${sector}+${total} pass the disk's end (${this.image.sectors})`,
      );
    if (op === BLKIF_OP.WRITE && this.image.readonly)
      throw new Refusal(BLKIF_RSP.ERROR, "write to a read-only disk");
    const position = Number(sector) * BLKIF_SECTOR_SIZE;
    const mapped = await this.grants.map(
      segs.map((s) => s.gref),
      op === BLKIF_OP.WRITE,
    );
    try {
      if (op === BLKIF_OP.READ) {
        const data = await this.image.read(position, total * BLKIF_SECTOR_SIZE);
        let at = 0;
        for (const [i, seg] of segs.entries()) {
          const len = (seg.last_sect - seg.first_sect + 1) * BLKIF_SECTOR_SIZE;
          await this.dom0.memory.write(
            mapped.gpfns[i] as number,
            seg.first_sect * BLKIF_SECTOR_SIZE,
            data.subarray(at, at + len),
          );
          at += len;
        }
      } else {
        const data = new Uint8Array(total * BLKIF_SECTOR_SIZE);
        let at = 0;
        for (const [i, seg] of segs.entries()) {
          const len = (seg.last_sect - seg.first_sect + 1) * BLKIF_SECTOR_SIZE;
          data.set(
            await this.dom0.memory.read(mapped.gpfns[i] as number, seg.first_sect * BLKIF_SECTOR_SIZE, len),
            at,
          );
          at += len;
        }
        await this.image.write(position, data);
      }
    } finally {
      await mapped.release();
    }
  }
}
