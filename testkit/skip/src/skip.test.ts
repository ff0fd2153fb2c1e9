import { afterEach, describe, expect, it, vi } from "vitest";
import { skipReason } from "./skip.js";

describe("skipReason", () => {
  const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  afterEach(() => warn.mockClear());

  it("skips, saying why once, when there is a reason", () => {
    expect(skipReason("the C cross-check", "no C compiler")).toBe(true);
    expect(skipReason("the C cross-check", "no C compiler")).toBe(true);
    expect(warn.mock.calls).toEqual([["SKIPPED the C cross-check: no C compiler"]]);
  });

  it("runs, silently, when there is none", () => {
    expect(skipReason("the dashboard in Chromium", undefined)).toBe(false);
    expect(warn).not.toHaveBeenCalled();
  });
});
