// The live status while the host runs: polls every service and prints a table that redraws in
// place on a terminal, one line per tick elsewhere, or JSON lines with --json.
import type { Writable } from "node:stream";
import { type StatusEndpoints, takeSnapshot } from "./status-fetch.js";
import type { Snapshot } from "./status-model.js";
import { jsonView, lineView, tableView } from "./status-view.js";
import type { ServiceStatus } from "./supervisor.js";

export interface StatusOutput extends Writable {
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface StatusOptions {
  readonly endpoints: StatusEndpoints;
  readonly style: "table" | "json";
  readonly out: StatusOutput;
  /** performance.now() when the host was started; snapshots are timed from it. */
  readonly startedAt: number;
  /** The supervised services' states and restarts, read at every tick. */
  readonly supervision?: () => readonly ServiceStatus[];
}

export interface StatusLoop {
  /** Stops polling; resolves after a poll under way has finished printing. */
  stop(): Promise<void>;
}

// A terminal refreshes often enough to feel live; a log gets fewer, denser lines.
const TTY_INTERVAL_MS = 1000;
const LINE_INTERVAL_MS = 2000;

export function startStatus(options: StatusOptions): StatusLoop {
  const { out } = options;
  const redraw = options.style === "table" && out.isTTY === true;
  let previous: Snapshot | undefined;
  let drawnLines = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const print = (current: Snapshot): void => {
    if (options.style === "json") {
      out.write(`${jsonView(current, previous)}\n`);
    } else if (!redraw) {
      out.write(`${lineView(current, previous)}\n`);
    } else {
      // Lines cut to the terminal width never wrap, so moving up `drawnLines` erases exactly
      // the previous table.
      // A pseudo-terminal without a size reports 0 columns: then nothing is cut.
      const width = out.columns || Number.POSITIVE_INFINITY;
      const lines = tableView(current, previous).map((line) => line.slice(0, width));
      const erase = drawnLines > 0 ? `\x1b[${drawnLines}F\x1b[J` : "";
      out.write(`${erase}${lines.join("\n")}\n`);
      drawnLines = lines.length;
    }
  };

  const tick = async (): Promise<void> => {
    const polled = await takeSnapshot(options.endpoints, performance.now() - options.startedAt);
    const current = options.supervision ? { ...polled, services: options.supervision() } : polled;
    if (stopped) return;
    print(current);
    previous = current;
    timer = setTimeout(
      () => {
        running = tick();
      },
      redraw ? TTY_INTERVAL_MS : LINE_INTERVAL_MS,
    );
  };
  let running = tick();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
