import { join } from 'node:path';
import {
  DefinitionError,
  DefinitionRegistry,
  UnknownWorkflowError,
  compareSemver,
  loadDefinitions,
  parseDefinition,
} from './index.js';
import { fixtureDir, miniYaml } from './definition-fixtures.spec-util.js';

describe('loadDefinitions', () => {
  it('loads *.yaml and *.yml files and serves the latest version by semver', () => {
    const registry = loadDefinitions([fixtureDir('valid')]);
    expect(registry.list().map((d) => `${d.id}@${d.version}`)).toEqual(['claim-review@1.10.0', 'claim-review@1.2.0']);
    expect(registry.get('claim-review').version).toBe('1.10.0');
    expect(registry.get('claim-review', '1.2.0').title).toBe('Insurance claim review');
    expect(registry.get('claim-review').source).toBe(join(fixtureDir('valid'), 'claim-review-1.10.0.yml'));
  });

  it('throws workflow_unknown for a missing id or version', () => {
    const registry = loadDefinitions([fixtureDir('valid')]);
    expect(() => registry.get('nope')).toThrow(UnknownWorkflowError);
    expect(() => registry.get('claim-review', '9.9.9')).toThrow(
      expect.objectContaining({ code: 'workflow_unknown', message: 'workflow claim-review@9.9.9 is not defined' }),
    );
    expect(registry.find('nope')).toBeUndefined();
  });

  it('rejects the same id@version in two files, naming both', () => {
    let caught: unknown;
    try {
      loadDefinitions([fixtureDir('valid'), fixtureDir('duplicate')]);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DefinitionError);
    const error = caught as DefinitionError;
    expect(error.code).toBe('definition_duplicate');
    expect(error.message).toContain(join(fixtureDir('duplicate'), 'fast-track.yaml'));
    expect(error.message).toContain(join(fixtureDir('valid'), 'claim-review-1.10.0.yml'));
  });

  it('names the directory it cannot read', () => {
    expect(() => loadDefinitions([fixtureDir('missing')])).toThrow(
      expect.objectContaining({ code: 'definition_unreadable' }),
    );
  });

  it('keeps definitions added in code apart by version', () => {
    const registry = new DefinitionRegistry([
      parseDefinition(miniYaml({ version: '2.0.0-rc.1' }), 'rc.yaml'),
      parseDefinition(miniYaml({ version: '1.9.9' }), 'old.yaml'),
    ]);
    expect(registry.get('mini').version).toBe('2.0.0-rc.1');
    registry.add(parseDefinition(miniYaml({ version: '2.0.0' }), 'new.yaml'));
    expect(registry.get('mini').version).toBe('2.0.0');
  });
});

describe('compareSemver', () => {
  it.each([
    ['1.10.0', '1.2.0', 1],
    ['1.0.0', '1.0.0-rc.1', 1],
    ['1.0.0-rc.2', '1.0.0-rc.10', -1],
    ['1.0.0-alpha', '1.0.0-1', 1],
    ['1.0.0-alpha', '1.0.0-alpha.1', -1],
    ['1.0.0+build.5', '1.0.0', 0],
  ])('%s vs %s', (a, b, sign) => {
    expect(Math.sign(compareSemver(a, b))).toBe(sign);
  });
});
