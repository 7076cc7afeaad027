import { createServer } from 'node:net';

/** The port of the NATS server developers run by hand; test helpers never hand it out. */
export const RESERVED_NATS_PORT = 4222;

/**
 * A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it from its ephemeral range).
 * Another process may still take it before the caller binds it: callers that spawn a server retry
 * on "address already in use". Never returns 4222.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.unref();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        const chosen = typeof address === 'object' && address !== null ? address.port : 0;
        server.close(() => resolve(chosen));
      });
    });
    if (port !== 0 && port !== RESERVED_NATS_PORT) return port;
  }
}
