import type { Logger } from '@ledgerflow/telemetry';

/** The JSON body POSTed for a gate that opened or escalated. Times ISO-8601 UTC; `link`: the gate in the HTTP API. */
export interface GateNotification {
  readonly event: 'GateOpened' | 'GateEscalated';
  readonly gateId: string;
  readonly runId: string;
  readonly stepId: string;
  readonly reviewers: readonly string[];
  readonly reason: string;
  readonly dueAt?: string;
  /** 0 when opened, the escalation level after `GateEscalated`. */
  readonly level: number;
  readonly link: string;
}

export interface GateNotifierOptions {
  /** Where to POST; undefined: notifications are off. */
  readonly url?: string;
  readonly maxAttempts: number;
  /** Delay before the first retry (ms), doubled per retry, capped at 30 s. */
  readonly backoffMs: number;
  readonly timeoutMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const MAX_DELAY_MS = 30_000;

/**
 * Sends gate notifications to a webhook: `POST <url>` with a `GateNotification` body, header
 * `idempotency-key: <gateId>/<level>` (the same for every retry, so the receiver can dedupe). A 2xx answer
 * is success; anything else, a network error or a timeout is retried after `backoffMs * 2^(n-1)` ms (capped
 * at 30 s), at most `maxAttempts` tries in all; then the notification is given up and logged (`error`).
 * A notification never changes a gate: the gate is in the event store whatever happens here.
 */
export class GateNotifier {
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly options: GateNotifierOptions,
    private readonly logger: Logger,
  ) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  get enabled(): boolean {
    return this.options.url !== undefined;
  }

  /** Resolves true when delivered, false when off or given up after `maxAttempts`; never throws. */
  async notify(notification: GateNotification): Promise<boolean> {
    const url = this.options.url;
    if (url === undefined) return false;
    let lastError = '';
    for (let attempt = 1; attempt <= this.options.maxAttempts; attempt++) {
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'idempotency-key': `${notification.gateId}/${notification.level}`,
          },
          body: JSON.stringify(notification),
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
        await response.body?.cancel().catch(() => undefined);
        if (response.ok) return true;
        lastError = `HTTP ${response.status}`;
      } catch (error) {
        lastError = (error as Error).message;
      }
      if (attempt < this.options.maxAttempts)
        await this.sleep(Math.min(MAX_DELAY_MS, this.options.backoffMs * 2 ** (attempt - 1)));
    }
    this.logger.error('gate notification given up', {
      gateId: notification.gateId,
      event: notification.event,
      attempts: this.options.maxAttempts,
      error: lastError,
    });
    return false;
  }
}
