import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the stand-in gateway received. */
export interface SeenRequest {
  method: string;
  url: string;
  authorization?: string;
  body?: unknown;
}

export type Reply = (request: SeenRequest) => { status: number; body: unknown; headers?: Record<string, string> };

/**
 * A stand-in for the gateway in CLI tests: a local node:http server that records each JSON request in
 * `seen` and answers with `reply` (replace it per test).
 */
export class StandInGateway {
  readonly seen: SeenRequest[] = [];
  private server?: Server;

  constructor(public reply: Reply) {}

  /** Listens on a free loopback port; resolves with the base URL. */
  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      request.on('end', () => {
        const entry: SeenRequest = {
          method: request.method ?? '',
          url: request.url ?? '',
          ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}),
          ...(text ? { body: JSON.parse(text) } : {}),
        };
        this.seen.push(entry);
        const { status, body, headers } = this.reply(entry);
        response.writeHead(status, { 'content-type': 'application/json', ...headers });
        response.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
