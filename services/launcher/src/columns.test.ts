import { describe, expect, it } from "vitest";
import { renderColumns } from "./columns.js";

describe("renderColumns", () => {
  it("pads text left and numbers right under their headers, without trailing spaces", () => {
    const lines = renderColumns(
      [
        { header: "NAME", align: "left" },
        { header: "FRAMES", align: "right" },
        { header: "NOTE", align: "left" },
      ],
      [
        ["Domain-0", "1024", ""],
        ["guest-1", "7", "x"],
      ],
    );
    expect(lines).toEqual(["NAME      FRAMES  NOTE", "Domain-0    1024", "guest-1        7  x"]);
  });
});
