import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

/** Absolute path of a directory under src/fixtures. */
export const fixtureDir = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

type Step = Record<string, unknown>;

/** A step of the minimal definition, with overrides. */
export const step = (id: string, overrides: Step = {}): Step => ({
  id,
  tool: 'docs',
  action: 'extract',
  agent: 'intake',
  ...overrides,
});

/** YAML text of a small valid definition (`mini@1.0.0`, tool `docs.extract`, agent `intake`), with top-level overrides. */
export function miniYaml(overrides: Record<string, unknown> = {}): string {
  return stringify({
    id: 'mini',
    version: '1.0.0',
    tools: { docs: ['extract', 'classify'] },
    agents: { intake: ['docs.extract', 'docs.classify'] },
    steps: [step('a'), step('b', { dependsOn: ['a'] })],
    ...overrides,
  });
}
