// Liveness of the peers: a domain process that is frozen (SIGSTOP, a paused container) keeps its
// TCP connection open, so without a heartbeat its session would never drop and its lease never
// start. Every interval each socket is pinged; one that has not answered the previous ping is
// terminated, which closes it like any dropped connection. ws clients answer pings by themselves.
import type { WebSocket, WebSocketServer } from "ws";

const answered = new WeakSet<WebSocket>();

export function startHeartbeat(wss: WebSocketServer, intervalMs: number): () => void {
  if (intervalMs <= 0) return () => {};
  const onConnection = (socket: WebSocket) => {
    answered.add(socket);
    socket.on("pong", () => answered.add(socket));
  };
  wss.on("connection", onConnection);
  const timer = setInterval(() => {
    for (const socket of wss.clients) {
      if (!answered.has(socket)) {
        socket.terminate();
        continue;
      }
      answered.delete(socket);
      socket.ping();
    }
  }, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    wss.off("connection", onConnection);
  };
}
