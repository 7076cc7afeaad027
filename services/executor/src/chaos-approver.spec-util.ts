import { devToken } from '@ledgerflow/testing';
import type { Stack } from '@ledgerflow/testing';
import type { SqliteEventStore } from '@ledgerflow/event-store';
import { gates, snapshot } from './chaos-snapshot.spec-util.js';

/** A reviewer's bearer token (HS256, `sub` = reviewer, scope `gates:decide`) signed with the stack's development key. */
export function reviewerToken(stack: Stack, reviewer: string): Promise<string> {
  return devToken(stack, { sub: reviewer, scopes: ['gates:decide'], expiresIn: '30m' });
}

/** One decision request the approver sent: the HTTP status, or the fetch error while the gateway was down. */
export interface DecisionAttempt {
  readonly gateId: string;
  readonly status?: number;
  readonly code?: string;
  readonly error?: string;
}

/**
 * Approves gates through the gateway (`POST /v1/gates/{gateId}/decision`) while services are killed: each
 * gate `approveAfterMs` after it was first seen open, retried every 150 ms until the store shows its
 * `GateDecided` (a refused connection, a 503 while approval is down, a 409 after a decision whose reply was
 * lost: all are retried, and only the store says whether the gate is decided).
 */
export class GateApprover {
  readonly attempts: DecisionAttempt[] = [];
  private readonly seenOpenAt = new Map<string, number>();
  private readonly busy = new Set<string>();

  constructor(
    private readonly stack: Stack,
    private readonly token: string,
  ) {}

  /**
   * One pass: `open` are the gates open in the store (gate id -> approve delay in ms); `decided` the gates
   * with a `GateDecided`. Sends at most one request per gate at a time; never awaits them.
   */
  tick(open: ReadonlyMap<string, number>, decided: ReadonlySet<string>): void {
    const now = Date.now();
    for (const [gateId, delayMs] of open) {
      if (decided.has(gateId) || this.busy.has(gateId)) continue;
      const seen = this.seenOpenAt.get(gateId) ?? now;
      this.seenOpenAt.set(gateId, seen);
      if (now < seen + delayMs) continue;
      this.busy.add(gateId);
      void this.approve(gateId).finally(() => setTimeout(() => this.busy.delete(gateId), 150));
    }
  }

  /**
   * Approves the gates the store shows open, every 100 ms, each `delayOf(its run's trigger key)` ms after it was first
   * seen open, until the returned function is called; that one resolves once no request is under way.
   */
  watch(store: SqliteEventStore, delayOf: (triggerKey: string) => number = () => 0): () => Promise<void> {
    let watching = true;
    const loop = (async () => {
      while (watching) {
        const { open, decided } = gates(await snapshot(store));
        this.tick(new Map([...open].map(([gateId, key]) => [gateId, delayOf(key)])), decided);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    return async () => {
      watching = false;
      await loop;
      await this.idle();
    };
  }

  /** Requests sent, and the refused or failed ones counted by reason (for the test's log). */
  summary(): string {
    const refused = new Map<string, number>();
    for (const attempt of this.attempts.filter((a) => a.status !== 201)) {
      const why = attempt.error ?? `${String(attempt.status)} ${attempt.code ?? ''}`.trim();
      refused.set(why, (refused.get(why) ?? 0) + 1);
    }
    return `${this.attempts.length} gate decision requests; refused or failed: ${JSON.stringify(Object.fromEntries(refused))}`;
  }

  /** Waits for requests still under way (a request outlives the stack otherwise). */
  async idle(): Promise<void> {
    while (this.busy.size > 0) await new Promise((resolve) => setTimeout(resolve, 50));
  }

  private async approve(gateId: string): Promise<void> {
    try {
      const response = await fetch(`${this.stack.gatewayUrl}/v1/gates/${encodeURIComponent(gateId)}/decision`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
        body: JSON.stringify({ outcome: 'approve', comment: 'chaos' }),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await response.text();
      const code = response.ok ? undefined : (safeJson(text) as { error?: { code?: string } } | undefined)?.error?.code;
      this.attempts.push({ gateId, status: response.status, ...(code ? { code } : {}) });
    } catch (error) {
      this.attempts.push({ gateId, error: (error as Error).message });
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
