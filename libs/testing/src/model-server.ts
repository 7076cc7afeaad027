import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/**
 * One recorded answer of {@link startModelServer}, as a response file holds it (JSON): the assistant message's text
 * (`content`, sent as is: malformed JSON stays malformed) or a JSON value sent as its text (`json`); or an HTTP error
 * (`status` >= 400 with an OpenAI-style `{ error: { message } }` body). `delayMs`: wait this long before answering
 * (a timeout case). `usage`: the token counts reported (default 100 prompt, 50 completion). `description`: for readers.
 */
export interface RecordedModelResponse {
  readonly description?: string;
  readonly content?: string;
  readonly json?: unknown;
  readonly status?: number;
  readonly error?: string;
  readonly delayMs?: number;
  readonly usage?: { readonly prompt_tokens: number; readonly completion_tokens: number };
}

/** A request the server received: method, path (`/v1/chat/completions`), headers, the body parsed (and raw). */
export interface ReceivedModelRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: ChatCompletionRequest;
  readonly rawBody: string;
}

/** The fields of an OpenAI chat completions request tests look at (https://platform.openai.com/docs/api-reference/chat). */
export interface ChatCompletionRequest {
  readonly model?: string;
  readonly messages?: readonly { readonly role: string; readonly content: unknown }[];
  readonly response_format?: {
    readonly type: string;
    readonly json_schema?: { readonly name?: string; readonly schema?: unknown; readonly strict?: boolean };
  };
  readonly [key: string]: unknown;
}

export interface ModelServer {
  /** The base URL clients take (`http://127.0.0.1:<port>/v1`): they post to `<url>/chat/completions`. */
  readonly url: string;
  /** Every request received so far, in arrival order (also the ones answered with an error). */
  requests(): ReceivedModelRequest[];
  /** How many requests arrived (a replay must make none). */
  requestCount(): number;
  /** Appends answers to the queue. */
  enqueue(...responses: RecordedModelResponse[]): void;
  stop(): Promise<void>;
}

export interface ModelServerOptions {
  /** Answers, in order: the n-th request gets the n-th (one left over is kept for the next requests). */
  readonly responses?: readonly RecordedModelResponse[];
  /** Consulted first: an answer chosen from the request, or undefined to take the queue's next one. */
  readonly match?: (request: ReceivedModelRequest) => RecordedModelResponse | undefined;
}

/** Reads response files (`<name>.json` in `dir`) as {@link RecordedModelResponse}s, in the order named. */
export function loadModelResponses(dir: string, ...names: string[]): RecordedModelResponse[] {
  return names.map((name) => JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as RecordedModelResponse);
}

/**
 * Test support: a local HTTP server (node:http, 127.0.0.1, a free port) speaking the OpenAI chat completions
 * protocol, `POST /v1/chat/completions` (non-streaming), so the `llm` plan generator's real client can be tested with
 * no model reachable. Each request is recorded, then answered from the matcher or the queue of recorded responses:
 * `{ id, object: 'chat.completion', created, model, choices: [{ index: 0, message: { role: 'assistant', content },
 * finish_reason: 'stop' }], usage }`. With the queue empty, or on any other path, it answers 500 naming the problem.
 * A delayed answer is dropped when the client goes away first (its timeout).
 */
export async function startModelServer(options: ModelServerOptions = {}): Promise<ModelServer> {
  const queue: RecordedModelResponse[] = [...(options.responses ?? [])];
  const received: ReceivedModelRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let body: ChatCompletionRequest = {};
      try {
        body = rawBody === '' ? {} : (JSON.parse(rawBody) as ChatCompletionRequest);
      } catch {
        // Recorded as an empty body; the raw text stays in rawBody.
      }
      const request = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, rawBody };
      received.push(request);
      const send = (status: number, payload: unknown): void => {
        if (res.destroyed) return;
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
      };
      if (request.method !== 'POST' || request.path !== '/v1/chat/completions') {
        send(404, { error: { message: `model server: no route ${request.method} ${request.path}` } });
        return;
      }
      const answer = options.match?.(request) ?? queue.shift();
      if (answer === undefined) {
        send(500, { error: { message: `model server: no recorded response left for request ${received.length}` } });
        return;
      }
      const reply = (): void => {
        if (answer.status !== undefined && answer.status >= 400) {
          send(answer.status, { error: { message: answer.error ?? `recorded error ${answer.status}` } });
          return;
        }
        const content = answer.content ?? JSON.stringify(answer.json ?? null);
        const usage = answer.usage ?? { prompt_tokens: 100, completion_tokens: 50 };
        send(200, {
          id: `chatcmpl-${received.length}`,
          object: 'chat.completion',
          created: 1_767_225_600,
          model: body.model ?? 'unknown',
          choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
          usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
        });
      };
      if (answer.delayMs === undefined) {
        reply();
        return;
      }
      const timer = setTimeout(() => {
        timers.delete(timer);
        reply();
      }, answer.delayMs);
      timers.add(timer);
      res.on('close', () => {
        clearTimeout(timer);
        timers.delete(timer);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests: () => [...received],
    requestCount: () => received.length,
    enqueue: (...responses) => {
      queue.push(...responses);
    },
    stop: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
