// A TCP forwarder between a domain and the hypervisor, so a test can cut the connection the way a
// network does: both sockets destroyed, no close handshake.
import { connect, createServer, type Server, type Socket } from "node:net";

export class TcpProxy {
  readonly #pairs = new Set<[Socket, Socket]>();
  #cuts = 0;

  private constructor(private readonly server: Server) {}

  static async start(targetPort: number): Promise<TcpProxy> {
    const server = createServer();
    const proxy = new TcpProxy(server);
    server.on("connection", (client) => proxy.#forward(client, targetPort));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === "object" && address ? address.port : 0;
  }

  /** Connections cut so far. */
  get cuts(): number {
    return this.#cuts;
  }

  /** Destroys every open connection; new ones are forwarded as before. */
  cut(): void {
    for (const pair of this.#pairs) {
      for (const socket of pair) socket.destroy();
      this.#cuts++;
    }
    this.#pairs.clear();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  #forward(client: Socket, targetPort: number): void {
    const upstream = connect(targetPort, "127.0.0.1");
    const pair: [Socket, Socket] = [client, upstream];
    this.#pairs.add(pair);
    const end = () => {
      this.#pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  }
}
