import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/**
 * Test support: a minimal OTLP/HTTP JSON receiver (https://opentelemetry.io/docs/specs/otlp/#otlphttp) that
 * keeps the spans it is sent, so tests can assert on traces produced by several service processes.
 * Point processes at it with `OTEL_EXPORTER_OTLP_ENDPOINT=<url>` (and `OTEL_BSP_SCHEDULE_DELAY=100` for
 * quick batches). Accepts `POST /v1/traces` (JSON, optionally gzip) and `POST /v1/metrics`, `/v1/logs`
 * (acknowledged, discarded); protobuf bodies get 415.
 */
export interface ReceivedSpan {
  /** 32 lower-case hex digits. */
  readonly traceId: string;
  /** 16 lower-case hex digits. */
  readonly spanId: string;
  /** Absent on a root span. */
  readonly parentSpanId?: string;
  readonly name: string;
  /** Resource attribute `service.name` of the sender. */
  readonly serviceName?: string;
  /** OTLP span kind (1 internal, 2 server, 3 client, 4 producer, 5 consumer). */
  readonly kind?: number;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly links: readonly { readonly traceId: string; readonly spanId: string }[];
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  readonly statusCode: number;
}

export interface OtlpReceiver {
  /** Base endpoint, e.g. `http://127.0.0.1:43127`: the value for `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  readonly url: string;
  /** `<url>/v1/traces`: the value for `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`. */
  readonly tracesUrl: string;
  /** Spans received so far, in arrival order. */
  spans(): ReceivedSpan[];
  /**
   * Resolves with the spans once `predicate(spans)` holds (checked on each arrival).
   * @throws Error after `timeoutMs` (default 10000) with the count received so far.
   */
  waitForSpans(predicate: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  stop(): Promise<void>;
}

interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue;
}
interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  arrayValue?: { values?: OtlpAnyValue[] };
  kvlistValue?: { values?: OtlpKeyValue[] };
  bytesValue?: string;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number;
  attributes?: OtlpKeyValue[];
  links?: { traceId: string; spanId: string }[];
  status?: { code?: number };
}
interface OtlpTraceRequest {
  resourceSpans?: { resource?: { attributes?: OtlpKeyValue[] }; scopeSpans?: { spans?: OtlpSpan[] }[] }[];
}

function anyValue(v: OtlpAnyValue | undefined): unknown {
  if (v === undefined) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(anyValue);
  if (v.kvlistValue !== undefined) return attributes(v.kvlistValue.values);
  return v.bytesValue;
}

function attributes(kvs: OtlpKeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((kvs ?? []).map((kv) => [kv.key, anyValue(kv.value)]));
}

/** Flattens an OTLP JSON `ExportTraceServiceRequest` into spans. */
export function spansFromOtlpJson(body: unknown): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of (body as OtlpTraceRequest).resourceSpans ?? []) {
    const serviceName = attributes(rs.resource?.attributes)['service.name'];
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          traceId: s.traceId,
          spanId: s.spanId,
          ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
          name: s.name,
          ...(typeof serviceName === 'string' ? { serviceName } : {}),
          ...(s.kind !== undefined ? { kind: s.kind } : {}),
          attributes: attributes(s.attributes),
          links: (s.links ?? []).map((l) => ({ traceId: l.traceId, spanId: l.spanId })),
          statusCode: s.status?.code ?? 0,
        });
      }
    }
  }
  return out;
}

/** Starts a receiver on 127.0.0.1 and a free port. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const received: ReceivedSpan[] = [];
  const waiters = new Set<() => void>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, body: string): void => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(body);
      };
      if (req.method !== 'POST' || !['/v1/traces', '/v1/metrics', '/v1/logs'].includes(req.url ?? ''))
        return reply(404, '{}');
      if (!(req.headers['content-type'] ?? '').includes('json'))
        return reply(415, '{"message":"only application/json"}');
      if (req.url !== '/v1/traces') return reply(200, '{}');
      try {
        let raw = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
        received.push(...spansFromOtlpJson(JSON.parse(raw.toString('utf8'))));
      } catch (error) {
        return reply(400, JSON.stringify({ message: String(error) }));
      }
      reply(200, '{}');
      for (const wake of [...waiters]) wake();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    tracesUrl: `${url}/v1/traces`,
    spans: () => [...received],
    waitForSpans: (predicate, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = (): boolean => {
          if (!predicate([...received])) return false;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve([...received]);
          return true;
        };
        const wake = (): void => {
          check();
        };
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(
            new Error(`OTLP receiver: condition not met after ${timeoutMs} ms (${received.length} spans received)`),
          );
        }, timeoutMs);
        if (!check()) waiters.add(wake);
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
