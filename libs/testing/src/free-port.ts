import { randomInt } from 'node:crypto';
import { createServer } from 'node:net';

/** The port of the NATS server developers run by hand; test helpers never hand it out. */
export const RESERVED_NATS_PORT = 4222;

/**
 * Where {@link freePort} looks: below Linux's default ephemeral range (32768-60999, `ip_local_port_range`), from which
 * the kernel picks the local port of every outgoing connection (HTTP clients, NATS clients, the browser) and of
 * `listen(0)`. A port handed out from that range can be taken by such a connection before the server binds it
 * (seen as EADDRINUSE when the suite runs many stacks at once).
 */
const RANGE = { low: 20_000, high: 32_767 } as const;

/** Ports this process handed out already: never twice. */
const handedOut = new Set<number>();

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A TCP port on 127.0.0.1 that was free a moment ago: a random one of {@link RANGE} (outside the ephemeral range),
 * not handed out before by this process. Another process may still take it before the caller binds it (unlikely:
 * one chance in ~12,700 per port another test picks at the same moment). Never returns 4222.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = randomInt(RANGE.low, RANGE.high + 1);
    if (handedOut.has(port) || port === RESERVED_NATS_PORT) continue;
    if (await canBind(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free TCP port found in ${RANGE.low}-${RANGE.high} after 200 tries`);
}
