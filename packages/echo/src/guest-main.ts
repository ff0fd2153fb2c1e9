// A guest with the echo frontend as a process: joins, connects the device, answers "ready"
// after its first echo, then runs the workloads its parent asks for.
import { XenDomain } from "@xenfs/libxen";
import { createLogger, int, LOG_LEVELS, oneOf, onShutdown, readConfig, str, url } from "@xenfs/service-kit";
import { XenbusFrontend } from "@xenfs/xenbus";
import { onCommand, type ToGuest, tell } from "./control.js";
import { EchoFrontend } from "./frontend.js";
import { ECHO_DEVICE } from "./protocol.js";
import { runWorkload } from "./workload.js";

const env = readConfig({
  XEN_HYPERVISOR_URL: url({ protocols: ["ws", "wss"] }),
  XEN_CLUSTER_TOKEN: str({ secret: true }),
  XEN_DOMAIN_NAME: str({ default: "echo-guest" }),
  /** The largest ring to set up, as a page order (the backend's max-ring-page-order caps it). */
  ECHO_MAX_RING_PAGE_ORDER: int({ min: 0, max: 4, default: 0 }),
  LOG_LEVEL: oneOf(LOG_LEVELS, { default: "info" }),
});
const logger = createLogger({ service: "echo-guest", level: env.LOG_LEVEL });

const domain = await XenDomain.join({
  url: env.XEN_HYPERVISOR_URL,
  token: env.XEN_CLUSTER_TOKEN,
  name: env.XEN_DOMAIN_NAME,
  logger,
});
domain.session.on("error", (error) => logger.warn({ err: error }, "hypercall failed"));
const echo = new EchoFrontend(domain, { maxRingPageOrder: env.ECHO_MAX_RING_PAGE_ORDER });
const frontend = new XenbusFrontend(domain, ECHO_DEVICE, echo);
await frontend.start();
await echo.echo(new Uint8Array([1])); // resolves once the handshake is done
logger.info({ domid: domain.domid }, "echo frontend connected");

onCommand<ToGuest>((command) => {
  if (command.type !== "run") return;
  runWorkload(echo, command.spec, (answered) => tell({ type: "progress", answered })).then(
    (result) => tell({ type: "result", result, reissued: echo.reissued, duplicates: echo.duplicates }),
    (error: unknown) => logger.error({ err: error }, "workload failed"),
  );
});
tell({ type: "ready", domid: domain.domid });
onShutdown(
  async () => {
    await frontend.close();
    echo.close();
    await domain.close();
  },
  { logger },
);
