// io/xenbus.h states as they sit in a `state` node: a decimal number.
import { XenbusState, xenbusStateName } from "@xenfs/proto";

export { XenbusState, xenbusStateName };

/** The state a `state` node holds; a missing node or anything unparsable reads as Unknown. */
export function parseState(text: string | undefined): XenbusState {
  const value = Number(text);
  const known = Object.values(XenbusState) as number[];
  return text !== undefined && /^\d$/.test(text) && known.includes(value)
    ? (value as XenbusState)
    : XenbusState.Unknown;
}
