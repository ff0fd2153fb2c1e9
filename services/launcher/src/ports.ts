// Checked before anything starts: with a port already taken, a leftover service from another
// run could answer /readyz in place of ours, and the launcher would report a host it does not own.
import { createServer } from "node:net";
import { PortInUseError } from "./errors.js";
import { LOOPBACK } from "./plan.js";

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, LOOPBACK, () => server.close(() => resolve(true)));
  });
}

export async function assertPortsFree(ports: readonly number[]): Promise<void> {
  for (const port of ports) {
    if (!(await isFree(port))) throw new PortInUseError(port);
  }
}
