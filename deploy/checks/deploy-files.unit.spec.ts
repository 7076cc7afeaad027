import { listRepoFiles, parseYamlDocuments, readRepoFile, YamlParseError } from './repo-files.js';

describe('deployment files parse', () => {
  const yamlFiles = ['docker-compose.yml', ...listRepoFiles('deploy', ['.yaml', '.yml'])];

  it('finds compose, the collector, Prometheus and the Kubernetes files deploy/README.md describes', () => {
    expect(yamlFiles).toEqual(
      expect.arrayContaining([
        'docker-compose.yml',
        'deploy/otel/collector.yaml',
        'deploy/prometheus/prometheus.yml',
        'deploy/kubernetes/base/kustomization.yaml',
        'deploy/kubernetes/overlays/dev/kustomization.yaml',
        'deploy/kubernetes/overlays/prod/kustomization.yaml',
        'deploy/grafana/provisioning/datasources/datasources.yaml',
        'deploy/grafana/provisioning/dashboards/dashboards.yaml',
      ]),
    );
  });

  it.each(yamlFiles)('%s is valid YAML with at least one document', (file) => {
    expect(parseYamlDocuments(readRepoFile(file), file).length).toBeGreaterThan(0);
  });

  it('every JSON file is valid JSON', () => {
    const files = listRepoFiles('deploy', ['.json']).filter((f) => !f.endsWith('tsconfig.json'));
    expect(files).toContain('deploy/grafana/dashboards/ledgerflow.json');
    for (const f of files) expect(() => JSON.parse(readRepoFile(f))).not.toThrow();
  });

  it('rejects broken YAML and duplicate keys, naming the file', () => {
    expect(() => parseYamlDocuments('a: [1, 2\nb: 3\n', 'x.yaml')).toThrow(YamlParseError);
    expect(() => parseYamlDocuments('a: 1\na: 2\n', 'dup.yaml')).toThrow(/^dup\.yaml: /);
  });
});
