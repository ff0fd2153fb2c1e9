import { describe, expect, it } from "vitest";
import { parseOptions } from "./options.js";
import { planHost } from "./plan.js";

const paths = { exportDir: "/srv/export", xenstoredPath: "/run/xen/xenstored.sock" };
const tokens = { cluster: "cluster-secret", dom0: "dom0-secret" };

describe("planHost", () => {
  it("puts the hypervisor on the base port, dom0 on the next, guests from base + 100", () => {
    const plan = planHost(parseOptions(["--guests", "3", "--base-port", "9000"]), paths, tokens);
    expect(plan.hypervisor).toMatchObject({ name: "hypervisor", role: "hypervisor", port: 9000 });
    expect(plan.dom0).toMatchObject({ name: "dom0", role: "dom0", port: 9001 });
    expect(plan.guests.map((g) => [g.name, g.port])).toEqual([
      ["guest-1", 9100],
      ["guest-2", 9101],
      ["guest-3", 9102],
    ]);
  });

  it("gives every service the variables its env spec reads, and no others", () => {
    const plan = planHost(
      parseOptions(["--guests", "1", "--mode", "copy", "--memory-mb", "128", "--cache-mb", "16"]),
      paths,
      tokens,
    );
    const hypervisorUrl = { XEN_HYPERVISOR_URL: "ws://127.0.0.1:7000/hypercall" };
    const shared = { HOST: "127.0.0.1", LOG_LEVEL: "info" };
    expect(plan.hypervisor.env).toEqual({
      ...shared,
      PORT: "7000",
      XEN_MEMORY_MB: "128",
      XEN_CLUSTER_TOKEN: "cluster-secret",
      XEN_DOM0_TOKEN: "dom0-secret",
      XEN_HOST_NAME: "a",
      XENSTORED_PATH: "/run/xen/xenstored.sock",
    });
    expect(plan.dom0.env).toEqual({
      ...shared,
      ...hypervisorUrl,
      PORT: "7001",
      XEN_DOM0_TOKEN: "dom0-secret",
      XENFS_EXPORT: "/srv/export",
      XENFS_CACHE_MB: "16",
    });
    expect(plan.guests[0]?.env).toEqual({
      ...shared,
      ...hypervisorUrl,
      PORT: "7100",
      XEN_CLUSTER_TOKEN: "cluster-secret",
      XEN_DOMAIN_NAME: "guest-1",
      XENFS_MODE: "copy",
      XENFS_WORKLOAD: "demo",
    });
  });

  it("in block mode has dom0 serve the image read-only and the guests mount it", () => {
    const plan = planHost(
      parseOptions(["--guests", "2", "--mode", "block"]),
      {
        ...paths,
        blockImage: "/run/block.img",
      },
      tokens,
    );
    expect(plan.dom0.env).toMatchObject({ XENFS_VBD_IMAGE: "/run/block.img", XENFS_VBD_MODE: "r" });
    for (const guest of plan.guests) expect(guest.env).toMatchObject({ XENFS_MODE: "block" });
  });

  it("never hands the dom0 token to a guest", () => {
    const plan = planHost(parseOptions(["--guests", "4"]), paths, tokens);
    for (const guest of plan.guests) expect(Object.values(guest.env)).not.toContain("dom0-secret");
  });

  it("plans hosts b, c… beside the first: own ports, tokens and XenStore socket, the same export, no guests", () => {
    const peers = [
      { cluster: "cluster-b", dom0: "dom0-b" },
      { cluster: "cluster-c", dom0: "dom0-c" },
    ];
    const plan = planHost(
      parseOptions(["--hosts", "3", "--guests", "2", "--base-port", "9000"]),
      paths,
      tokens,
      peers,
    );
    expect(plan.others.map((o) => [o.hypervisor.name, o.hypervisor.port, o.dom0.name, o.dom0.port])).toEqual([
      ["hypervisor-b", 9002, "dom0-b", 9003],
      ["hypervisor-c", 9004, "dom0-c", 9005],
    ]);
    expect(plan.others[0]?.hypervisor.env).toMatchObject({
      XEN_CLUSTER_TOKEN: "cluster-b",
      XEN_DOM0_TOKEN: "dom0-b",
      XEN_HOST_NAME: "b",
      XENSTORED_PATH: "/run/xen/xenstored-b.sock",
    });
    expect(plan.others[0]?.dom0.env).toMatchObject({
      XEN_HYPERVISOR_URL: "ws://127.0.0.1:9002/hypercall",
      XEN_DOM0_TOKEN: "dom0-b",
      XENFS_EXPORT: "/srv/export",
    });
    expect(plan.guests.map((g) => g.env["XEN_HYPERVISOR_URL"])).toEqual([
      "ws://127.0.0.1:9000/hypercall",
      "ws://127.0.0.1:9000/hypercall",
    ]);
    expect(() => planHost(parseOptions(["--hosts", "2"]), paths, tokens)).toThrow(/peer token/);
  });

  it("plans no guests for --guests 0", () => {
    expect(planHost(parseOptions(["--guests", "0"]), paths, tokens).guests).toEqual([]);
  });
});
