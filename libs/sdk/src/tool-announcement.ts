import type { NatsConnection } from '@nats-io/nats-core';
import type { ToolCatalogEntry } from '@ledgerflow/contracts';
import { announceTools } from '@ledgerflow/messaging';
import type { ToolDefinition, ToolLogger } from './tool.types.js';

/**
 * The catalog entries of a worker's tools (docs/planning.md): one per tool action, `capability` `<tool>.<action>`,
 * `worker` the worker's name, `announcedAt` `now` (ISO-8601 UTC), schemas `true` and description `''` when the
 * definition leaves them out, `cost` as declared.
 */
export function catalogEntriesOf(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- handlers of any input/output types
  tools: readonly ToolDefinition<any, any>[],
  worker: string,
  now: Date,
): ToolCatalogEntry[] {
  return tools.map((t) => ({
    tool: t.tool,
    action: t.action,
    description: t.description ?? '',
    inputSchema: t.inputSchema ?? true,
    outputSchema: t.outputSchema ?? true,
    capability: `${t.tool}.${t.action}`,
    ...(t.cost === undefined ? {} : { cost: t.cost }),
    worker,
    announcedAt: now.toISOString(),
  }));
}

/**
 * Puts the worker's entries into the tool catalog (KV bucket `LF_TOOLS`, last writer wins). The catalog is advisory:
 * a failure (no bucket yet because no service ran, a NATS user not allowed that key) is logged as `tool catalog
 * announcement failed` (or written to stderr without a logger) and resolves false; it never stops the worker.
 * @returns true when every entry was put.
 */
export async function announceToolCatalog(
  nc: NatsConnection,
  entries: readonly ToolCatalogEntry[],
  logger?: ToolLogger,
): Promise<boolean> {
  try {
    await announceTools(nc, entries);
    return true;
  } catch (error) {
    const fields = { tools: entries.map((e) => e.capability), error: String(error) };
    if (logger) logger.warn('tool catalog announcement failed', fields);
    else process.stderr.write(`tool catalog announcement failed (${fields.tools.join(', ')}): ${fields.error}\n`);
    return false;
  }
}
