// Printed once when the host is up: where to look (dashboard, admin APIs, metrics) and where
// each service's log is, so a newcomer can open them without reading the code.
import { renderColumns } from "./columns.js";
import { displayPath } from "./display-path.js";
import { LOOPBACK, type Role, type ServiceSpec } from "./plan.js";

export interface HostDescription {
  readonly services: readonly { readonly spec: ServiceSpec; readonly logPath: string }[];
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
  readonly exportDir: string;
  readonly xenstoredPath: string;
  /** Each host's env file for xl (hypervisor URL, dom0 token, XenStore socket). */
  readonly hostEnv?: readonly { readonly name: string; readonly path: string; readonly url: string }[];
}

const ADMIN_PATHS: Readonly<Record<Role, readonly string[]>> = {
  hypervisor: ["/api/domains", "/api/memory"],
  dom0: ["/api/cache"],
  guest: ["/fs/", "/api/mount"],
};

export function describeHost(host: HostDescription, cwd?: string): string[] {
  const hypervisor = host.services.find((s) => s.spec.role === "hypervisor")?.spec;
  return [
    ...(hypervisor ? [`dashboard  http://${LOOPBACK}:${hypervisor.port}/`] : []),
    `export     ${displayPath(host.exportDir, cwd)}`,
    `xenstore   XENSTORED_PATH=${displayPath(host.xenstoredPath, cwd)} xenstore-ls`,
    ...(host.hostEnv ?? []).map(
      ({ name, path, url }) =>
        `host ${name}     ${url}  xl: env $(cat ${displayPath(path, cwd)}) pnpm -s xl list`,
    ),
    "",
    ...renderColumns(
      [
        { header: "SERVICE", align: "left" },
        { header: "ADDRESS", align: "left" },
        { header: "ADMIN API", align: "left" },
        { header: "LOG", align: "left" },
      ],
      host.services.map(({ spec, logPath }) => [
        spec.name,
        `http://${LOOPBACK}:${spec.port}`,
        ADMIN_PATHS[spec.role].join(" "),
        displayPath(logPath, cwd),
      ]),
    ),
    "every service also answers /metrics (Prometheus), /livez and /readyz",
    ...host.skipped.map((s) => `skipped ${s.name}: ${s.reason}`),
  ];
}
