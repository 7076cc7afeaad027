import { createHash } from 'node:crypto';

/**
 * A name-based UUID (version 8 layout, RFC 9562) from the SHA-256 of `name`: the same name always gives the same
 * id, so a repeated request maps to the same stream or event (8-4-4-4-12 lower-case hex, version nibble 8, variant
 * bits 10xx).
 */
export function nameBasedUuid(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  const variant = ((parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The run id for a trigger: {@link nameBasedUuid} of the workflow id and the sender's idempotency key, so a trigger
 * delivered twice, or sent twice by the client, maps to the same run stream and the second `StartRun` finds the
 * stream already there. Clients can compute it (e.g. to watch a run they triggered over NATS).
 */
export function runIdFor(workflowId: string, idempotencyKey: string): string {
  return nameBasedUuid(`${workflowId}\n${idempotencyKey}`);
}
