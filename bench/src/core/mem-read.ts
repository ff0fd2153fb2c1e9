// mem_read of whole frames: page data riding the hypercall wire. One domain's session is held
// against raw WebSocket one-way throughput (one socket each); several domains show whether the
// hypervisor keeps up with more than one session.
import { type Calibration, type Measurement, measure, type ResultRow, rowOf } from "@xenfs/bench-kit";
import type { XenDomain } from "@xenfs/libxen";
import { XEN_PAGE_SIZE } from "@xenfs/proto";
import { inBatches } from "./batches.js";

const FRAMES_PER_GUEST = 64;
const READS_PER_REPEAT = 16_384;
/** Target (docs/design.md#measuring): at least half of what a raw WebSocket pushes one way. */
const MIN_WS_THROUGHPUT_SHARE = 0.5;

interface Reader {
  readonly guest: XenDomain;
  /** Frames the guest holds, so that `refresh` is a plain whole-frame mem_read each time. */
  readonly gpfns: number[];
}

export async function memReadRows(
  guests: readonly XenDomain[],
  calibration: Calibration,
  framesUsed: () => Promise<number>,
): Promise<ResultRow[]> {
  const readers = await Promise.all(guests.map(holdFrames));
  const [first] = readers;
  if (!first) throw new Error("mem_read needs a guest");
  const frames = await framesUsed();
  const one = await readRate([first]);
  const all = await readRate(readers);
  await Promise.all(readers.map(({ guest, gpfns }) => guest.memory.decreaseReservation(gpfns)));
  return [
    rowOf(one, "mbPerSec", {
      calibration: "wsThroughput",
      frames,
      target: { op: ">=", value: MIN_WS_THROUGHPUT_SHARE * calibration.wsThroughput.mbPerSec },
    }),
    rowOf(all, "mbPerSec", { calibration: "wsThroughput", baseline: one.name, frames }),
  ];
}

async function holdFrames(guest: XenDomain): Promise<Reader> {
  const gpfns = await guest.memory.populatePhysmap(FRAMES_PER_GUEST);
  await Promise.all(gpfns.map((gpfn) => guest.memory.read(gpfn, 0, 1)));
  return { guest, gpfns };
}

/** READS_PER_REPEAT reads a repeat, shared by the readers, FRAMES_PER_GUEST per multicall. */
function readRate(readers: readonly Reader[]): Promise<Measurement> {
  const each = READS_PER_REPEAT / readers.length;
  const domains = readers.length === 1 ? "1 domain" : `${readers.length} domains`;
  return measure(`mem_read 4 KiB, ${FRAMES_PER_GUEST} per multicall × ${domains}`, async () => {
    await Promise.all(
      readers.map(({ guest, gpfns }) =>
        inBatches(each, FRAMES_PER_GUEST, (i) => guest.memory.refresh(gpfns[i % FRAMES_PER_GUEST]!)),
      ),
    );
    return { ops: READS_PER_REPEAT, bytes: READS_PER_REPEAT * XEN_PAGE_SIZE };
  });
}
