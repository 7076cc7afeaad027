import { createHash } from 'node:crypto';

/**
 * The run id for a trigger: a name-based UUID (version 8 layout, RFC 9562) over the workflow id and the
 * sender's idempotency key, so a trigger delivered twice, or sent twice by the client, maps to the same
 * run stream and the second `StartRun` finds the stream already there.
 */
export function runIdFor(workflowId: string, idempotencyKey: string): string {
  const hex = createHash('sha256').update(`${workflowId}\n${idempotencyKey}`).digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
