/**
 * The Jaeger UI's base URL, when the gateway was given one (`LEDGERFLOW_JAEGER_URL`): it writes it into index.html
 * as `<meta name="ledgerflow-jaeger-url">` (services/gateway/src/console-static.ts), so no request is needed.
 */
export function jaegerUrl(): string | undefined {
  const content = document.querySelector('meta[name="ledgerflow-jaeger-url"]')?.getAttribute('content')?.trim();
  return content ? content.replace(/\/+$/, '') : undefined;
}

/** A run's OpenTelemetry trace id, linked to its trace in Jaeger (`<url>/trace/<traceId>`) when Jaeger is known. */
export function TraceLink({ traceId }: { traceId: string }) {
  const base = jaegerUrl();
  const code = <code data-testid="trace-id">{traceId}</code>;
  if (!base) return code;
  return (
    <a href={`${base}/trace/${encodeURIComponent(traceId)}`} target="_blank" rel="noreferrer" data-testid="trace-link">
      {code} in Jaeger
    </a>
  );
}
