// xen/include/public/io/xenbus.h

export const XenbusState = {
  Unknown: 0,
  Initialising: 1,
  InitWait: 2,
  Initialised: 3,
  Connected: 4,
  Closing: 5,
  Closed: 6,
  Reconfiguring: 7,
  Reconfigured: 8,
} as const;
export type XenbusState = (typeof XenbusState)[keyof typeof XenbusState];

const NAMES = new Map<number, string>(Object.entries(XenbusState).map(([k, v]) => [v, k]));
export function xenbusStateName(state: number): string {
  return NAMES.get(state) ?? `Unknown(${state})`;
}
