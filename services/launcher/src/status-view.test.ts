import { describe, expect, it } from "vitest";
import { parseCache, parseDomains, parseMemory, parseMount, type Snapshot } from "./status-model.js";
import { jsonView, lineView, supervisionSummary, tableView } from "./status-view.js";

const MiB = 1024 * 1024;

// What the services answer, as docs/design.md#observable describes it.
function sample(at: number, guest1Read: number, guest2Read: number): Snapshot {
  return {
    at,
    domains: parseDomains([
      { domid: 0, name: "Domain-0", state: "running", frames: 4096 },
      { domid: 1, name: "guest-1", state: "running", frames: 300 },
      { domid: 2, name: "guest-2", state: "paused", frames: 280 },
    ]),
    memory: parseMemory({ frames: { total: 65536, used: 4676, shared: 1536, free: 60860 }, domains: [] }),
    cache: parseCache({ frames: 1536, hits: 900, misses: 100, evictions: 2 }),
    guests: [
      {
        name: "guest-1",
        port: 7100,
        mount: parseMount({ mode: "shared", pagesHeld: 1536, requests: 40, bytesRead: guest1Read }),
      },
      {
        name: "guest-2",
        port: 7101,
        mount: parseMount({ mode: "shared", pagesHeld: 1536, requests: 38, bytesRead: guest2Read }),
      },
    ],
  };
}

const previous = sample(10_000, 0, 2 * MiB);
const current = sample(12_000, 4 * MiB, 4 * MiB);

describe("tableView", () => {
  it("shows frames, the page cache, the domains and each guest's reads and throughput", () => {
    expect(tableView(current, previous)).toEqual([
      "XenFS host, up 0:12",
      "machine frames 4676 used of 65536, 1536 shared, 60860 free",
      "page cache 1536 frames, 900 hits, 100 misses (90.0% hit), 2 evictions",
      "",
      "DOMID  NAME      STATE    FRAMES",
      "    0  Domain-0  running    4096",
      "    1  guest-1   running     300",
      "    2  guest-2   paused      280",
      "",
      "GUEST       PORT  MODE    PAGES  REQUESTS     READ  THROUGHPUT",
      "guest-1     7100  shared   1536        40  4.0 MiB   2.0 MiB/s",
      "guest-2     7101  shared   1536        38  4.0 MiB   1.0 MiB/s",
      "all guests                                 8.0 MiB   3.0 MiB/s",
    ]);
  });

  it("shows a dash for whatever is not answering, including throughput on the first tick", () => {
    const blind: Snapshot = {
      at: 1000,
      domains: undefined,
      memory: undefined,
      cache: undefined,
      guests: [{ name: "guest-1", port: 7100, mount: undefined }],
    };
    expect(tableView(blind, undefined)).toEqual([
      "XenFS host, up 0:01",
      "machine frames - used of -, - shared, - free",
      "page cache - frames, - hits, - misses (- hit), - evictions",
      "",
      "domains: -",
      "",
      "GUEST    PORT  MODE  PAGES  REQUESTS  READ  THROUGHPUT",
      "guest-1  7100  -         -         -     -           -",
    ]);
  });
});

describe("lineView", () => {
  it("summarises the same figures on one line", () => {
    expect(lineView(current, previous)).toBe(
      "[0:12] domains 3 | machine frames 4676 used of 65536, 1536 shared, 60860 free | " +
        "page cache 1536 frames, 900 hits, 100 misses (90.0% hit), 2 evictions | " +
        "guest-1 shared read 4.0 MiB at 2.0 MiB/s | guest-2 shared read 4.0 MiB at 1.0 MiB/s",
    );
  });
});

describe("jsonView", () => {
  it("is one JSON object with rates, and null for what is unknown", () => {
    const parsed = JSON.parse(jsonView(current, undefined));
    expect(parsed.uptimeSeconds).toBe(12);
    expect(parsed.domains).toHaveLength(3);
    expect(parsed.memory).toEqual({ total: 65536, used: 4676, shared: 1536, free: 60860 });
    expect(parsed.guests[0]).toEqual({
      name: "guest-1",
      port: 7100,
      mount: { mode: "shared", pagesHeld: 1536, requests: 40, bytesRead: 4 * MiB },
      bytesPerSecond: null,
    });
    expect(JSON.parse(jsonView(current, previous)).guests[1].bytesPerSecond).toBe(MiB);
    expect(jsonView(current, previous)).not.toContain("\n");
  });
});

describe("supervision in the status", () => {
  const running = (name: string, restarts = 0) => ({
    name,
    pid: 100,
    state: "running" as const,
    restarts,
    restartInMs: undefined,
    lastExit: restarts > 0 ? "SIGKILL" : undefined,
  });

  it("is one short line when all is well, and absent without supervision", () => {
    expect(supervisionSummary([running("hypervisor"), running("dom0"), running("guest-1")])).toEqual([
      "services 3 of 3 running; no restarts",
    ]);
    expect(supervisionSummary(undefined)).toEqual([]);
    expect(tableView(current, previous)).not.toContainEqual(expect.stringContaining("services"));
  });

  it("says what is restarting and when, what is down, and the restarts so far", () => {
    const services = [
      running("hypervisor"),
      { ...running("dom0", 2), state: "restarting" as const, pid: undefined, restartInMs: 400 },
      { ...running("guest-1"), state: "crashed" as const, pid: undefined, lastExit: "code 1" },
      { ...running("guest-2", 1), state: "starting" as const },
    ];
    const line =
      "services 1 of 4 running; restarting dom0 in 400 ms; guest-1 down (code 1); guest-2 starting again; " +
      "restarts: dom0 2, guest-2 1";
    expect(supervisionSummary(services)).toEqual([line]);
    const withServices = { ...current, services };
    expect(tableView(withServices, previous)[3]).toBe(line);
    expect(lineView(withServices, previous)).toContain(` | ${line} | `);
    expect(JSON.parse(jsonView(withServices, previous)).services[1]).toEqual({
      name: "dom0",
      pid: null,
      state: "restarting",
      restarts: 2,
      restartInMs: 400,
      lastExit: "SIGKILL",
    });
  });
});
