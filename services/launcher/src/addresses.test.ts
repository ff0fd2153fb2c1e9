import { describe, expect, it } from "vitest";
import { describeHost } from "./addresses.js";
import { parseOptions } from "./options.js";
import { planHost } from "./plan.js";

describe("describeHost", () => {
  it("lists the dashboard, every service's address, admin API and log, and what was skipped", () => {
    const plan = planHost(
      parseOptions(["--guests", "2"]),
      { exportDir: "/work/run/export", xenstoredPath: "/work/run/xenstored.sock" },
      { cluster: "c", dom0: "d" },
    );
    const started = [plan.hypervisor, plan.dom0, plan.guests[0]!];
    const lines = describeHost(
      {
        services: started.map((spec) => ({ spec, logPath: `/work/run/logs/${spec.name}.log` })),
        skipped: [{ name: "guest-2", reason: "services/domu-client is not in this tree yet" }],
        exportDir: "/work/run/export",
        xenstoredPath: "/work/run/xenstored.sock",
      },
      "/work",
    );
    expect(lines).toEqual([
      "dashboard  http://127.0.0.1:7000/",
      "export     run/export",
      "xenstore   XENSTORED_PATH=run/xenstored.sock xenstore-ls",
      "",
      "SERVICE     ADDRESS                ADMIN API                 LOG",
      "hypervisor  http://127.0.0.1:7000  /api/domains /api/memory  run/logs/hypervisor.log",
      "dom0        http://127.0.0.1:7001  /api/cache                run/logs/dom0.log",
      "guest-1     http://127.0.0.1:7100  /fs/ /api/mount           run/logs/guest-1.log",
      "every service also answers /metrics (Prometheus), /livez and /readyz",
      "skipped guest-2: services/domu-client is not in this tree yet",
    ]);
  });
});
