// Loopback ports: whether one is free now, and a base port whose whole launcher layout is.
import { createServer } from "node:net";

export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** Ports a launcher host with `guests` guests takes from `base`: +0, +1, +100… (docs/design.md#processes). */
export function launcherPorts(base: number, guests: number): number[] {
  return [base, base + 1, ...Array.from({ length: guests }, (_, i) => base + 100 + i)];
}

/** A base port in the unprivileged, non-ephemeral range whose every launcher port is free. */
export async function freeLauncherBase(guests: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 10_000);
    const free = await Promise.all(launcherPorts(base, guests).map(portIsFree));
    if (free.every(Boolean)) return base;
  }
  throw new Error("no free base port for the launcher");
}
