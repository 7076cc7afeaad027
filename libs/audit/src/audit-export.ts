import { Ajv } from 'ajv';
import type { ErrorObject } from 'ajv';
import { runStreamId } from '@ledgerflow/contracts';
import { ValidationError } from '@ledgerflow/domain';
import { recordedHash } from './event-hash.js';
import { verifyChain } from './verify-chain.js';
import type { ChainBroken, ChainVerification, VerifiableEvent } from './verify-chain.js';

/** The `format` of an audit export; a new shape gets a new number. */
export const AUDIT_FORMAT = 'ledgerflow-audit/1';

/** One stored event as exported: the store's event, unchanged (`position`, `recordedAt` are not hashed). */
export interface AuditEvent extends VerifiableEvent {
  readonly metadata: VerifiableEvent['metadata'] & { readonly eventId: string; readonly runId: string };
  readonly position?: number;
  readonly recordedAt?: string;
}

/**
 * A run's events with their hash chain (`GET /v1/runs/{runId}/audit`).
 * - `runId`: the run; every event must be in stream `run-<runId>`.
 * - `exportedAt`: ISO-8601 UTC, the gateway's clock when it exported.
 * - `head`: hash of the last event (null when no event is hashed): a copy of the file with events cut off
 *   at the end no longer matches it. Compare it with a head obtained independently to detect a rewrite.
 * - `events`: every event of the stream, revision 0 first.
 */
export interface AuditExport {
  readonly format: typeof AUDIT_FORMAT;
  readonly runId: string;
  readonly exportedAt: string;
  readonly head: string | null;
  readonly events: readonly AuditEvent[];
}

const hex64 = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;

/** JSON Schema (draft-07) of {@link AuditExport}. */
export const auditExportSchema = {
  type: 'object',
  required: ['format', 'runId', 'exportedAt', 'head', 'events'],
  properties: {
    format: { const: AUDIT_FORMAT },
    runId: { type: 'string', minLength: 1 },
    exportedAt: { type: 'string', minLength: 1 },
    head: { anyOf: [hex64, { type: 'null' }] },
    events: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['streamId', 'revision', 'type', 'data', 'metadata'],
        properties: {
          streamId: { type: 'string', minLength: 1 },
          revision: { type: 'integer', minimum: 0 },
          type: { type: 'string', minLength: 1 },
          data: {},
          metadata: {
            type: 'object',
            required: ['eventId', 'runId'],
            properties: {
              eventId: { type: 'string', minLength: 1 },
              runId: { type: 'string', minLength: 1 },
              hash: hex64,
              prevHash: hex64,
            },
          },
          position: { type: 'integer' },
          recordedAt: { type: 'string' },
        },
      },
    },
  },
} as const;

let validate: ReturnType<Ajv['compile']> | undefined;

/**
 * Builds the export of one run from its stored events (revision order).
 * @param exportedAt ISO-8601 UTC time of the export.
 */
export function buildAuditExport(runId: string, events: readonly AuditEvent[], exportedAt: string): AuditExport {
  const last = events[events.length - 1];
  return { format: AUDIT_FORMAT, runId, exportedAt, head: (last && recordedHash(last)) ?? null, events };
}

/**
 * Checks that a parsed JSON value is an {@link AuditExport} (shape only, not the chain).
 * @throws ValidationError `audit_export_invalid` naming the first offending field (JSON pointer) and rule.
 */
export function parseAuditExport(value: unknown): AuditExport {
  validate ??= new Ajv({ allErrors: false, strict: false }).compile(auditExportSchema);
  if (!validate(value)) {
    const error = (validate.errors ?? [])[0] as ErrorObject | undefined;
    const missing = (error?.params as { missingProperty?: string } | undefined)?.missingProperty;
    const field = `${error?.instancePath ?? ''}${missing ? `/${missing}` : ''}` || '/';
    const rule = missing ? 'is missing' : (error?.message ?? 'is invalid');
    throw new ValidationError('audit_export_invalid', `not a ${AUDIT_FORMAT} export: ${field} ${rule}`, {
      field,
      rule: error?.keyword,
    });
  }
  return value as unknown as AuditExport;
}

/**
 * Verifies an export: every event in stream `run-<runId>` of that run, the chain intact, and its head
 * equal to the export's `head` and (when given) to `trustedHead`, obtained independently of the file.
 */
export function verifyAuditExport(doc: AuditExport, trustedHead?: string): ChainVerification {
  const result = verifyChain(doc.events, { streamId: runStreamId(doc.runId), runId: doc.runId, head: doc.head });
  if (!result.ok || trustedHead === undefined || result.head === trustedHead) return result;
  const last = doc.events[doc.events.length - 1] as AuditEvent;
  const broken: ChainBroken = {
    ok: false,
    index: doc.events.length - 1,
    eventId: last.metadata.eventId,
    revision: last.revision,
    reason: 'head_mismatch',
    message: `chain head mismatch: the export's head is ${result.head ?? 'none'}, the trusted head is ${trustedHead}: the export is not the run's current history`,
  };
  return broken;
}
