import { runCli } from './cli.js';
import { policiesCommands } from './policies.command.js';
import { StandInGateway } from './stand-in-gateway.spec-util.js';
import type { SeenRequest } from './stand-in-gateway.spec-util.js';
import { workflowsCommands } from './workflows.command.js';

const actor = { kind: 'human', id: 'ada' };
const version = (i: number) => ({
  version: `1.${9 - i}.0`,
  digest: `sha256:${String(i).repeat(8)}`,
  source: 'api',
  registeredAt: `2026-05-01T10:00:0${9 - i}.000Z`,
  registeredBy: actor,
  title: 'Claims',
  kind: 'capability',
  files: ['claims.cedar'],
});
const VERSIONS = Array.from({ length: 7 }, (_, i) => version(i));

/**
 * The gateway (docs/api.md, Lists) paging the versions inside one workflow's or pack's answer: the object on every
 * page, its `versions` a page of `limit`, the next page in a `Link` header.
 */
function versionPages(request: SeenRequest) {
  const url = new URL(request.url, 'http://gateway');
  const limit = Math.min(Number(url.searchParams.get('limit') ?? 100), 3);
  const start = Number(url.searchParams.get('cursor') ?? 0);
  const rest = start + limit < VERSIONS.length;
  url.searchParams.set('cursor', String(start + limit));
  const resource = url.pathname.startsWith('/v1/workflows/')
    ? { workflowId: 'claims', title: 'Claims', latestVersion: '1.9.0', inputSchema: true }
    : { pack: 'claims', kind: 'capability', activeVersion: '1.9.0', versionCount: 7, files: {} };
  return {
    status: 200,
    body: { ...resource, versions: VERSIONS.slice(start, start + limit) },
    ...(rest ? { headers: { link: `<${url.pathname}${url.search}>; rel="next"` } } : {}),
  };
}

describe('ledgerflow workflows show and policies show', () => {
  const gateway = new StandInGateway(versionPages);
  let url = '';
  beforeAll(async () => {
    url = await gateway.start();
  });
  afterAll(() => gateway.stop());
  beforeEach(() => {
    gateway.seen.length = 0;
  });

  async function cli(...argv: string[]) {
    let out = '';
    let err = '';
    const code = await runCli([...workflowsCommands, ...policiesCommands], argv, {
      out: (t) => (out += t),
      err: (t) => (err += t),
      env: { LEDGERFLOW_URL: url, LEDGERFLOW_TOKEN: 'tok' },
    });
    return { code, out, err };
  }

  it.each([
    ['workflows', '/v1/workflows/claims', 'claims: Claims (latest 1.9.0)'],
    ['policies', '/v1/policy-packs/claims', 'claims (capability): active 1.9.0'],
  ])('%s show reads every page of the versions, newest first', async (group, path, heading) => {
    const { code, out, err } = await cli(group, 'show', 'claims');
    expect([code, err]).toEqual([0, '']);
    expect(gateway.seen.map((r) => new URL(r.url, 'http://gateway').pathname)).toEqual([path, path, path]);
    expect(out.split('\n')[0]).toBe(heading);
    const shown = out.split('\n').filter((line) => /^1\.\d\.0 /.test(line));
    expect(shown.map((line) => line.split(/\s+/)[0])).toEqual(VERSIONS.map((v) => v.version));
  });

  it('exits 1 naming the refusal when the workflow is unknown', async () => {
    gateway.reply = () => ({ status: 404, body: { error: { code: 'workflow_unknown', message: 'no workflow x' } } });
    const { code, err } = await cli('workflows', 'show', 'x');
    expect(code).toBe(1);
    expect(err).toContain('workflow_unknown');
    gateway.reply = versionPages;
  });
});
