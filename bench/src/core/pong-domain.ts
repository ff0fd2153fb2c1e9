// The answering end of the ping-pong: a guest that binds the pinger's port and sends an event
// back for every event it receives.
// stdout: joined {domid}, bound. stdin: {cmd: "bind", remoteDom, remotePort}.
import { XenDomain } from "@xenfs/libxen";
import { commands, fail, report, requireEnv } from "@xenfs/testkit/stdio";

type Command = { cmd: "bind"; remoteDom: number; remotePort: number };

const domain = await XenDomain.join({
  url: requireEnv("XEN_HYPERVISOR_URL"),
  token: requireEnv("XEN_CLUSTER_TOKEN"),
  name: "pong",
});
domain.session.on("error", fail);
report("joined", { domid: domain.domid });

for await (const { remoteDom, remotePort } of commands<Command>()) {
  const port = await domain.events.bindInterdomain(remoteDom, remotePort);
  domain.events.on(port, () => {
    domain.events.send(port).catch(fail);
  });
  report("bound", { port });
}
