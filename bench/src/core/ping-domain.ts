// The timing end of the ping-pong: a guest that offers a port to the ponger, then sends events
// one at a time and times each until the answer arrives.
// stdout: joined {domid}, offered {port}, connected, pinged {samples}.
// stdin: {cmd: "offer", remoteDom}, {cmd: "ping", count}.
import { performance } from "node:perf_hooks";
import { XenDomain } from "@xenfs/libxen";
import { commands, fail, report, requireEnv } from "@xenfs/testkit/stdio";

type Command = { cmd: "offer"; remoteDom: number } | { cmd: "ping"; count: number };

const domain = await XenDomain.join({
  url: requireEnv("XEN_HYPERVISOR_URL"),
  token: requireEnv("XEN_CLUSTER_TOKEN"),
  name: "ping",
});
domain.session.on("error", fail);
report("joined", { domid: domain.domid });

let port = 0;
let answered: (() => void) | undefined;

async function roundTripMs(): Promise<number> {
  const start = performance.now();
  const answer = new Promise<void>((resolve) => {
    answered = resolve;
  });
  await Promise.all([domain.events.send(port), answer]);
  return performance.now() - start;
}

for await (const command of commands<Command>()) {
  if (command.cmd === "offer") {
    port = await domain.events.allocUnbound(command.remoteDom);
    // The first event is the ponger answering the event Xen makes pending when it binds:
    // the channel is connected. Every later one answers a ping.
    domain.events.on(port, () => {
      if (answered) {
        answered();
        answered = undefined;
      } else {
        report("connected");
      }
    });
    report("offered", { port });
  } else {
    const samples: number[] = [];
    for (let i = 0; i < command.count; i++) samples.push(await roundTripMs());
    report("pinged", { samples });
  }
}
