// Calibration peer, run as a child process so the round trip crosses processes as the
// hypervisor wire does. `/echo` sends every message back; `/sink` counts binary bytes and
// answers the text message "ack?" with the count. Prints {"port":N} once listening.
import { WebSocketServer } from "ws";

const server = new WebSocketServer({
  host: "127.0.0.1",
  port: 0,
  perMessageDeflate: false,
  maxPayload: 16 * 1024 * 1024,
});

server.on("connection", (socket, request) => {
  if (request.url === "/echo") {
    socket.on("message", (data, isBinary) => socket.send(data, { binary: isBinary }));
    return;
  }
  let bytes = 0;
  socket.on("message", (data, isBinary) => {
    if (isBinary) bytes += data.length;
    else socket.send(String(bytes));
  });
});

server.on("listening", () => process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`));

// The parent holds our stdin; when it goes away, so do we.
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
