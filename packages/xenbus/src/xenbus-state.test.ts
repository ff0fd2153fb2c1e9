import { describe, expect, it } from "vitest";
import { parseState, XenbusState } from "./xenbus-state.js";

describe("parseState", () => {
  it("reads io/xenbus.h's numbers and nothing else", () => {
    expect(parseState("4")).toBe(XenbusState.Connected);
    expect(parseState("1")).toBe(XenbusState.Initialising);
    for (const text of [undefined, "", "9", "04", " 4", "4\n", "Connected", "-1"]) {
      expect(parseState(text)).toBe(XenbusState.Unknown);
    }
  });
});
