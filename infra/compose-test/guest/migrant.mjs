// A guest that keeps data in its own frames and keeps calling, run inside a guest container of
// the cluster (compose or a swarm stack) for the migration tests: the tests copy it next to the
// domu image's /app (whose node_modules hold @xenfs/libxen) and start it with `docker exec`. It
// suspends when the toolstack asks, attaches wherever its domain is restored, and answers
// GET /check with whether its frames still hold what it wrote and whether any call failed.
//
// env: XEN_HYPERVISOR_URL, XEN_CLUSTER_TOKEN (the container's), MIGRANT_NAME, MIGRANT_PORT,
// MIGRANT_FRAMES, XEN_MEMORY_TRANSPORT (shm or socket).
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import { XenDomain } from "@xenfs/libxen";

const PAGE = 4096;

function need(name) {
  const value = process.env[name];
  if (!value) throw new Error(`migrant: ${name} is not set`);
  return value;
}

/** What frame `gpfn` holds: bytes no other frame has. */
function pattern(gpfn) {
  const bytes = new Uint8Array(PAGE);
  for (let i = 0; i < PAGE; i++) bytes[i] = (gpfn * 131 + i * 7 + (i >> 8)) & 0xff;
  return bytes;
}

const digest = (bytes) => createHash("sha256").update(bytes).digest("hex");

const guest = await XenDomain.join({
  url: need("XEN_HYPERVISOR_URL"),
  token: need("XEN_CLUSTER_TOKEN"),
  name: need("MIGRANT_NAME"),
  memoryTransport: process.env.XEN_MEMORY_TRANSPORT === "socket" ? "socket" : "shm",
});
const log = (msg, fields = {}) => console.log(JSON.stringify({ msg, ...fields }));
guest.session.on("error", (error) => log("session error", { error: String(error) }));
await guest.enableSuspend();
guest.onSuspend(() => log("suspended", { domid: guest.domid }));
let attached = 0;
guest.session.on("attached", ({ domid, previous }) => {
  attached++;
  log("attached", { domid, previous, url: guest.session.url });
});
const gpfns = await guest.memory.populatePhysmap(Number(process.env.MIGRANT_FRAMES ?? "32"));
for (const gpfn of gpfns) await guest.memory.write(gpfn, 0, pattern(gpfn));

// A program that keeps calling: across a migration its calls wait, then complete.
let calls = 0;
let failures = 0;
void (async () => {
  for (;;) {
    await guest.xs.read("name").then(
      () => calls++,
      () => failures++,
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
})();

async function check() {
  const differ = [];
  for (const gpfn of gpfns) {
    const bytes = await guest.memory.read(gpfn, 0, PAGE);
    if (digest(bytes) !== digest(pattern(gpfn))) differ.push(gpfn);
  }
  return {
    name: need("MIGRANT_NAME"),
    domid: guest.domid,
    url: guest.session.url,
    transport: guest.memoryTransport,
    frames: gpfns.length,
    differ,
    calls,
    failures,
    attached,
  };
}

const port = Number(need("MIGRANT_PORT"));
createServer((req, res) => {
  if (req.url !== "/check") {
    res.writeHead(404).end();
    return;
  }
  check().then(
    (body) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body)),
    (error) => res.writeHead(500).end(String(error)),
  );
}).listen(port, "127.0.0.1", () =>
  log("migrant ready", { domid: guest.domid, transport: guest.memoryTransport }),
);
