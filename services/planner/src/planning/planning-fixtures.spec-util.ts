import type { ToolCatalogEntry } from '@ledgerflow/contracts';
import type { WorkflowDefinition } from '@ledgerflow/definitions';
import type { GenerateRequest } from './plan-generator.js';

/**
 * A goal template: agents and defaults, no steps (the generator supplies them); it declares under `tools` every tool
 * action its agents hold, as a parsed definition must (a capability names a declared tool action).
 */
export function goalTemplate(
  agents: Record<string, string[]>,
  extra: Partial<WorkflowDefinition> = {},
): WorkflowDefinition {
  return {
    id: 'goal-template',
    version: '1.0.0',
    title: 'goal template',
    source: 'test',
    inputSchema: true,
    tools: toolsOf(agents),
    agents,
    steps: [],
    concurrency: 4,
    requiredSecrets: [],
    policies: [],
    ...extra,
  };
}

/** `tool -> actions` from agents' capabilities `tool.action`. */
function toolsOf(agents: Record<string, string[]>): Record<string, string[]> {
  const tools: Record<string, string[]> = {};
  for (const capability of Object.values(agents).flat()) {
    const [tool, action] = capability.split('.') as [string, string];
    tools[tool] = [...new Set([...(tools[tool] ?? []), action])].sort();
  }
  return tools;
}

type Props = Record<string, string>;
const objectSchema = (properties: Props, required: string[] = Object.keys(properties)): Record<string, unknown> => ({
  type: 'object',
  properties: Object.fromEntries(Object.entries(properties).map(([name, type]) => [name, { type }])),
  required,
});

/** A catalog entry whose input requires `input` (plus `optional`), and whose output has `output`. */
export function entry(
  key: string,
  input: Props,
  output: Props,
  options: { usd?: number; optional?: Props; description?: string } = {},
): ToolCatalogEntry {
  const [tool = '', action = ''] = key.split('.');
  return {
    tool,
    action,
    description: options.description ?? `${key} tool`,
    inputSchema: objectSchema({ ...input, ...options.optional }, Object.keys(input)),
    outputSchema: objectSchema(output),
    capability: key,
    ...(options.usd === undefined ? {} : { cost: { usd: options.usd } }),
    worker: 'test-worker',
    announcedAt: '2026-01-01T00:00:00.000Z',
  };
}

/**
 * The support ticket of examples/goal-triage: classify the ticket and look up the account (parallel), draft a reply
 * from both; two classifiers (the cheaper wins), a refund tool nobody asked for.
 */
export const ticketCatalog: ToolCatalogEntry[] = [
  entry('nlp.classify', { ticketText: 'string' }, { category: 'string', urgency: 'integer' }, { usd: 0.01 }),
  entry('llmtools.classify', { ticketText: 'string' }, { category: 'string' }, { usd: 0.2 }),
  entry('crm.lookup_account', { customerId: 'string' }, { accountTier: 'string', balance: 'number' }),
  entry(
    'mail.draft_reply',
    { category: 'string', accountTier: 'string' },
    { reply: 'string' },
    { optional: { urgency: 'number', signature: 'string' } },
  ),
  entry('billing.refund', { customerId: 'string', amount: 'number' }, { refundId: 'string' }),
];

export const ticketTemplate = goalTemplate({
  support: ['nlp.classify', 'llmtools.classify', 'crm.lookup_account', 'mail.draft_reply'],
  billing: ['billing.refund'],
});

export const ticketRequest: GenerateRequest = {
  goal: 'answer the support ticket',
  input: { ticketText: 'My invoice is wrong', customerId: 'c-42' },
  desiredOutputs: { type: 'object', properties: { reply: { type: 'string' } }, required: ['reply'] },
  constraints: {},
  catalog: ticketCatalog,
  template: ticketTemplate,
};
