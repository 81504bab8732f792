/**
 * The production server: `npm start [-- -p 3000 -H 127.0.0.1]`, also used by `npm run demo`, the
 * end-to-end tests and `npm run load`. It is Next's own request handler (a documented "custom
 * server", nextjs.org/docs/app/guides/custom-server) behind a plain Node HTTP server, for one
 * reason: to tell the app the address of the TCP peer, which nobody can forge.
 *
 * Next never gives route handlers or server actions the socket. It copies the socket's address
 * into `X-Forwarded-For` only when that header is absent (`??=` in
 * next/dist/server/base-server.js), so with a plain `next start` a client chooses the address the
 * app sees, and the sign-in throttle can be dodged or turned against someone else. Here every
 * request is stamped with the socket's address in PEER_HEADER, after deleting any copy the client
 * sent, and the header's name is published on globalThis so the app knows the stamp is genuine
 * (lib/auth/client-address.ts). Forwarded headers are believed only from TRUSTED_PROXIES.
 */
import { createServer } from "node:http";
import { parseArgs } from "node:util";

const PEER_HEADER = "x-sarcopenia-peer-address";
const PEER_HEADER_GLOBAL = Symbol.for("sarcopenia.peerAddressHeader");

const { values } = parseArgs({
  options: { port: { type: "string", short: "p" }, hostname: { type: "string", short: "H" } },
  strict: true,
});
const port = Number(values.port ?? process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`server.mjs: the port must be a whole number from 0 to 65535, not "${values.port ?? process.env.PORT}"`);
  process.exit(2);
}
// Like `next start`: listen on every interface unless -H names one.
const hostname = values.hostname;

// As `next start` does; Next reads NODE_ENV when it loads.
process.env.NODE_ENV = "production";
const { default: next } = await import("next");
const app = next({ dev: false, hostname: hostname ?? "localhost", port });
const handle = app.getRequestHandler();
await app.prepare();
globalThis[PEER_HEADER_GLOBAL] = PEER_HEADER;

const server = createServer((request, response) => {
  delete request.headers[PEER_HEADER];
  const peer = request.socket.remoteAddress;
  if (peer) request.headers[PEER_HEADER] = peer;
  handle(request, response).catch((error) => {
    console.error(`Failed to handle request for ${request.url}`, error);
    if (!response.headersSent) response.statusCode = 500;
    response.end();
  });
});

server.on("error", (error) => {
  console.error("The server could not start:", error.message);
  process.exit(1);
});
server.listen(port, hostname, () => {
  console.log(`> Ready on http://${hostname ?? "localhost"}:${port}`);
});

// Finish the requests in flight, then exit with the signal's conventional code (as `next start`).
let stopping = false;
for (const [signal, code] of [["SIGTERM", 143], ["SIGINT", 130]]) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    server.close(() => {
      app.close().finally(() => process.exit(code));
    });
    server.closeIdleConnections();
    setTimeout(() => process.exit(code), 10_000).unref();
  });
}
