import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';

/**
 * Test support: a minimal OTLP receiver (https://opentelemetry.io/docs/specs/otlp/) that keeps the spans it is sent,
 * so tests can assert on traces produced by several service processes, over each OTLP transport:
 * - OTLP/HTTP at `url`: `POST /v1/traces` with a JSON (`http/json`) or protobuf (`http/protobuf`,
 *   `application/x-protobuf`) body, optionally gzip; `POST /v1/metrics` and `/v1/logs` are acknowledged and discarded;
 * - OTLP/gRPC at `grpcUrl` when started with `{ grpc: true }`: `TraceService/Export` kept, `MetricsService/Export`
 *   acknowledged.
 * Point processes at it with `OTEL_EXPORTER_OTLP_ENDPOINT=<url>` (or `<grpcUrl>` with
 * `OTEL_EXPORTER_OTLP_PROTOCOL=grpc`), and `OTEL_BSP_SCHEDULE_DELAY=100` for quick batches.
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
  /** The OTLP transport the span arrived by. */
  readonly protocol: 'http/json' | 'http/protobuf' | 'grpc';
}

export interface OtlpReceiver {
  /** Base endpoint, e.g. `http://127.0.0.1:43127`: the value for `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  readonly url: string;
  /** `<url>/v1/traces`: the value for `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`. */
  readonly tracesUrl: string;
  /** The OTLP/gRPC endpoint, e.g. `http://127.0.0.1:43128`, when started with `{ grpc: true }`. */
  readonly grpcUrl?: string;
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

/**
 * The part of the OTLP protobuf schema the receiver reads (opentelemetry-proto `trace/v1/trace.proto`,
 * `common/v1/common.proto`, `collector/trace/v1/trace_service.proto`: same field numbers; enums read as int32;
 * fields not listed are skipped when decoding).
 */
const OTLP_TRACE_SCHEMA = {
  nested: {
    ExportTraceServiceRequest: { fields: { resourceSpans: { rule: 'repeated', type: 'ResourceSpans', id: 1 } } },
    ResourceSpans: {
      fields: { resource: { type: 'Resource', id: 1 }, scopeSpans: { rule: 'repeated', type: 'ScopeSpans', id: 2 } },
    },
    Resource: { fields: { attributes: { rule: 'repeated', type: 'KeyValue', id: 1 } } },
    ScopeSpans: { fields: { spans: { rule: 'repeated', type: 'Span', id: 2 } } },
    Span: {
      fields: {
        traceId: { type: 'bytes', id: 1 },
        spanId: { type: 'bytes', id: 2 },
        parentSpanId: { type: 'bytes', id: 4 },
        name: { type: 'string', id: 5 },
        kind: { type: 'int32', id: 6 },
        attributes: { rule: 'repeated', type: 'KeyValue', id: 9 },
        links: { rule: 'repeated', type: 'Link', id: 13 },
        status: { type: 'Status', id: 15 },
      },
    },
    Link: { fields: { traceId: { type: 'bytes', id: 1 }, spanId: { type: 'bytes', id: 2 } } },
    Status: { fields: { code: { type: 'int32', id: 3 } } },
    KeyValue: { fields: { key: { type: 'string', id: 1 }, value: { type: 'AnyValue', id: 2 } } },
    AnyValue: {
      fields: {
        stringValue: { type: 'string', id: 1 },
        boolValue: { type: 'bool', id: 2 },
        intValue: { type: 'int64', id: 3 },
        doubleValue: { type: 'double', id: 4 },
        arrayValue: { type: 'ArrayValue', id: 5 },
        kvlistValue: { type: 'KeyValueList', id: 6 },
        bytesValue: { type: 'bytes', id: 7 },
      },
    },
    ArrayValue: { fields: { values: { rule: 'repeated', type: 'AnyValue', id: 1 } } },
    KeyValueList: { fields: { values: { rule: 'repeated', type: 'KeyValue', id: 1 } } },
  },
};

let traceRequestType: protobuf.Type | undefined;

/** Ids in protobuf are bytes, in OTLP JSON lower-case hex: hex them, recursively, where the schema has ids. */
function hexIds(value: unknown, key = ''): unknown {
  if (value instanceof Uint8Array) {
    return ['traceId', 'spanId', 'parentSpanId'].includes(key)
      ? Buffer.from(value).toString('hex')
      : Buffer.from(value).toString('base64');
  }
  if (Array.isArray(value)) return value.map((item) => hexIds(item));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, hexIds(v, k)]));
  }
  return value;
}

/**
 * Decodes a protobuf `ExportTraceServiceRequest` (OTLP/HTTP `http/protobuf` body, or OTLP/gRPC message) into the
 * OTLP JSON shape ({@link spansFromOtlpJson} reads it).
 * @throws Error when `bytes` is not such a message.
 */
export function otlpJsonFromProtobuf(bytes: Uint8Array): unknown {
  traceRequestType ??= protobuf.Root.fromJSON(OTLP_TRACE_SCHEMA).lookupType('ExportTraceServiceRequest');
  const message = traceRequestType.decode(bytes);
  return hexIds(traceRequestType.toObject(message, { longs: Number, arrays: false, defaults: false }));
}

/** Flattens an OTLP JSON `ExportTraceServiceRequest` into spans. */
export function spansFromOtlpJson(body: unknown, protocol: ReceivedSpan['protocol'] = 'http/json'): ReceivedSpan[] {
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
          protocol,
        });
      }
    }
  }
  return out;
}

/** Options of {@link startOtlpReceiver}. */
export interface OtlpReceiverOptions {
  /** Also serve OTLP/gRPC (at `grpcUrl`); default false (the gRPC library is then not loaded). */
  readonly grpc?: boolean;
}

/** Starts a receiver on 127.0.0.1 and a free port (and another for gRPC when asked). */
export async function startOtlpReceiver(options: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
  const received: ReceivedSpan[] = [];
  const waiters = new Set<() => void>();
  const keep = (spans: ReceivedSpan[]): void => {
    received.push(...spans);
    for (const wake of [...waiters]) wake();
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const contentType = req.headers['content-type'] ?? '';
      const protobufBody = contentType.includes('protobuf');
      const reply = (status: number, body: string): void => {
        if (protobufBody && status === 200) {
          // An empty Export*ServiceResponse: full success.
          res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
          return;
        }
        res.writeHead(status, { 'content-type': 'application/json' }).end(body);
      };
      if (req.method !== 'POST' || !['/v1/traces', '/v1/metrics', '/v1/logs'].includes(req.url ?? ''))
        return reply(404, '{}');
      if (!protobufBody && !contentType.includes('json'))
        return reply(415, '{"message":"application/json or application/x-protobuf only"}');
      if (req.url !== '/v1/traces') return reply(200, '{}');
      try {
        let raw = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
        const spans = protobufBody
          ? spansFromOtlpJson(otlpJsonFromProtobuf(raw), 'http/protobuf')
          : spansFromOtlpJson(JSON.parse(raw.toString('utf8')), 'http/json');
        reply(200, '{}');
        keep(spans);
      } catch (error) {
        reply(400, JSON.stringify({ message: String(error) }));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const grpc = options.grpc ? await startGrpcReceiver(keep) : undefined;
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    tracesUrl: `${url}/v1/traces`,
    ...(grpc !== undefined ? { grpcUrl: grpc.url } : {}),
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
    stop: async () => {
      await grpc?.stop();
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

/** The OTLP/gRPC services (opentelemetry-proto `collector/trace/v1/trace_service.proto`, `.../metrics/v1/...`): one unary `Export` each. */
const GRPC_EXPORT_PATHS = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
} as const;

/** An OTLP/gRPC server on 127.0.0.1 and a free port (with `@grpc/grpc-js`, loaded only here). */
async function startGrpcReceiver(
  keep: (spans: ReceivedSpan[]) => void,
): Promise<{ readonly url: string; stop(): Promise<void> }> {
  const grpc = await import('@grpc/grpc-js');
  const unary = (path: string) => ({
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: (value: Buffer) => value,
    requestDeserialize: (bytes: Buffer) => bytes,
    // An empty Export*ServiceResponse: full success.
    responseSerialize: () => Buffer.alloc(0),
    responseDeserialize: () => ({}),
  });
  const server = new grpc.Server();
  server.addService(
    { Export: unary(GRPC_EXPORT_PATHS.traces) },
    {
      Export: (call: { request: Buffer }, callback: (error: Error | null, value: object) => void) => {
        let spans: ReceivedSpan[];
        try {
          spans = spansFromOtlpJson(otlpJsonFromProtobuf(call.request), 'grpc');
        } catch (error) {
          callback(Object.assign(new Error(String(error)), { code: grpc.status.INVALID_ARGUMENT }), {});
          return;
        }
        callback(null, {});
        keep(spans);
      },
    },
  );
  server.addService(
    { Export: unary(GRPC_EXPORT_PATHS.metrics) },
    { Export: (_call: unknown, callback: (error: null, value: object) => void) => callback(null, {}) },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2_000).unref();
      }),
  };
}
