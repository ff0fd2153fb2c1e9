// mem_cmpxchg and mem_add: the atomics shared-memory users need, on 4- or 8-byte aligned words,
// operands as little-endian bytes; both answer the old value. Single-threaded, so atomic.
import { XEN_PAGE_SIZE } from "@xenfs/proto";
import type { Domain } from "../domain/domain.js";
import { errno } from "../errors.js";
import type { Handler, OpArgs } from "../handler.js";
import type { Xen } from "../xen.js";
import { entryAt } from "./ops.js";

function toBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
  return value;
}

function toBytes(value: bigint, width: number): Uint8Array {
  const bytes = new Uint8Array(width);
  for (let i = 0; i < width; i++) bytes[i] = Number((value >> BigInt(8 * i)) & 0xffn);
  return bytes;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function atomic(
  xen: Xen,
  caller: Domain,
  args: OpArgs["memCmpxchg"],
  compute: (old: Uint8Array) => Uint8Array | undefined,
): ReturnType<Handler<"memCmpxchg">> {
  const { gpfn, offset, width, operand } = args;
  const entry = entryAt(caller, gpfn);
  if (width !== 4 && width !== 8) throw errno("EINVAL", `width ${width}: atomics are 4 or 8 bytes`);
  if (offset % width !== 0 || offset >= XEN_PAGE_SIZE)
    throw errno("EINVAL", `offset ${offset} not ${width}-aligned in the frame`);
  if (operand.length !== width)
    throw errno("EINVAL", `operand is ${operand.length} bytes, width is ${width}`);
  if (entry.readonly && !entry.cow) throw errno("EACCES", `gpfn ${gpfn} is mapped read-only`);
  // x86's locked cmpxchg writes even when the compare fails: a copy-to-write page faults either way.
  const { frame } = xen.cow.writable(caller, gpfn);
  const old = frame.read(offset, width);
  const next = compute(old);
  if (next) xen.memory.writeFrame(frame, offset, next, { domid: caller.domid, gpfn });
  return { memAtomic: { old } };
}

export const memCmpxchg: Handler<"memCmpxchg"> = (xen, caller, args) => {
  if (args.desired.length !== args.width)
    throw errno("EINVAL", `desired is ${args.desired.length} bytes, width is ${args.width}`);
  return atomic(xen, caller, args, (old) =>
    sameBytes(old, args.operand) ? args.desired.slice() : undefined,
  );
};

export const memAdd: Handler<"memAdd"> = (xen, caller, args) =>
  atomic(xen, caller, args, (old) => {
    const modulus = 1n << BigInt(8 * args.width);
    return toBytes((toBigInt(old) + toBigInt(args.operand)) % modulus, args.width);
  });
