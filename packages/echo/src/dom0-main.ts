// dom0's echo backend as a process: joins as dom0 (waiting out a previous dom0's lease), then
// serves the echo device of every guest until SIGTERM.
import { joinDomain } from "@xenfs/libxen";
import { createLogger, LOG_LEVELS, oneOf, onShutdown, readConfig, str, url } from "@xenfs/service-kit";
import { XenbusBackend } from "@xenfs/xenbus";
import { EchoBackend } from "./backend.js";
import { onCommand, type ToDom0, tell } from "./control.js";
import { ECHO_DEVICE } from "./protocol.js";

const env = readConfig({
  XEN_HYPERVISOR_URL: url({ protocols: ["ws", "wss"] }),
  XEN_DOM0_TOKEN: str({ secret: true }),
  LOG_LEVEL: oneOf(LOG_LEVELS, { default: "info" }),
});
const logger = createLogger({ service: "echo-dom0", level: env.LOG_LEVEL });

const dom0 = await joinDomain(
  { url: env.XEN_HYPERVISOR_URL, token: env.XEN_DOM0_TOKEN, name: "Domain-0", logger },
  { signal: AbortSignal.timeout(60_000) },
);
dom0.session.on("error", (error) => logger.warn({ err: error }, "hypercall failed"));
const echo = new EchoBackend(dom0);
const backend = new XenbusBackend(dom0, ECHO_DEVICE.type, echo);
await backend.start();
logger.info({ domid: dom0.domid }, "echo backend ready");

onCommand<ToDom0>((command) => {
  if (command.type === "stats") tell({ type: "stats", served: echo.served });
});
tell({ type: "ready", domid: dom0.domid });
onShutdown(
  async () => {
    await backend.close();
    await dom0.close();
  },
  { logger },
);
