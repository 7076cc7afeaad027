import { CompiledTool } from './tool-call.js';
import { defineTool, result, type ToolContext, type ToolHandler } from './tool.types.js';

const ctx: ToolContext = {
  runId: 'run-1',
  stepId: 'summarize',
  attempt: 1,
  idempotencyKey: 'run-1/summarize/1',
  effectKey: 'run-1/summarize',
  secrets: {},
};
const compiled = (handler: ToolHandler) =>
  new CompiledTool(
    defineTool({ tool: 'llm', action: 'summarize', outputSchema: { type: 'string' }, handler }) as never,
  );

describe('CompiledTool: usage in a result', () => {
  it('replies with the usage a handler returns through result()', async () => {
    const reply = await compiled(() =>
      result('short', { confidence: 0.7, usage: { inputTokens: 1850, outputTokens: 210, costUsd: 0.0041 } }),
    ).call({}, ctx);
    expect(reply).toEqual({
      ok: true,
      value: { output: 'short', confidence: 0.7, usage: { inputTokens: 1850, outputTokens: 210, costUsd: 0.0041 } },
    });
  });

  it('leaves usage out when the handler reports none, or an empty one', async () => {
    for (const handler of [() => 'plain', () => result('wrapped'), () => result('empty', { usage: {} })]) {
      const reply = await compiled(handler).call({}, ctx);
      expect(reply.ok).toBe(true);
      expect(reply.ok && reply.value).not.toHaveProperty('usage');
    }
  });

  it.each([
    [{ costUsd: -0.5 }, 'usage.costUsd', 'minimum', 'llm.summarize usage.costUsd must be >= 0, got -0.5'],
    [
      { inputTokens: Number.NaN },
      'usage.inputTokens',
      'finite',
      'llm.summarize usage.inputTokens must be finite, got NaN',
    ],
    [
      { outputTokens: '3' },
      'usage.outputTokens',
      'type',
      'llm.summarize usage.outputTokens must be a number, got a string',
    ],
    [
      { totalTokens: 3 },
      'usage.totalTokens',
      'unknown_field',
      'llm.summarize usage.totalTokens is not a usage field (allowed: inputTokens, outputTokens, costUsd)',
    ],
  ])('refuses usage %j with tool_output_invalid naming %s', async (usage, field, rule, message) => {
    const reply = await compiled(() => result('short', { usage: usage as never })).call({}, ctx);
    expect(reply).toEqual({
      ok: false,
      error: { code: 'tool_output_invalid', message, retryable: false, details: { field, rule } },
    });
  });
});
