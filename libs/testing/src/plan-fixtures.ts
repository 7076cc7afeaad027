import type { ToolCatalogEntry } from '@ledgerflow/contracts';

// The plan builders live beside the types they build (libs/domain/src/testing.ts): one copy for every spec.
export { aPlan, aStep } from '@ledgerflow/domain/testing';

/**
 * A tool catalog entry (`ToolCatalogEntry`, libs/contracts/src/planning.ts) for `tool.action` as a worker would announce
 * it: any object in, anything out, capability `<tool>.<action>`; `overrides` replace any field.
 * @example aCatalogEntry('bench', 'noop', { inputSchema: { type: 'object', required: ['n'] } })
 */
export function aCatalogEntry(
  tool: string,
  action: string,
  overrides: Partial<ToolCatalogEntry> = {},
): ToolCatalogEntry {
  return {
    tool,
    action,
    description: `${tool}.${action}`,
    inputSchema: { type: 'object' },
    outputSchema: true,
    capability: `${tool}.${action}`,
    worker: `${tool}-workers`,
    announcedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}
