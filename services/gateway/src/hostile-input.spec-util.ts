import fc from 'fast-check';

/**
 * Test support for the hostile-input suite: every endpoint of the gateway as a template whose path ids can be
 * replaced, and fast-check arbitraries for what a hostile client sends (bodies, path segments, content types).
 */

/** The path ids an endpoint template takes, by the name of the route parameter they fill. */
export const PATH_ID_NAMES = [
  'runId',
  'gateId',
  'workflowId',
  'accountId',
  'subscriptionId',
  'packName',
  'recommendationId',
] as const;
/**
 * `packName` may be left out: its endpoints then use `claims-payout`, a pack of the example directory;
 * `recommendationId` too: they then use one of memory's shape that memory never proposed (404), of the fixed workflow
 * `noop-chain` (not derived from `workflowId`, so a hostile `workflowId` never lands in a recommendation's path).
 */
export type PathIds = Record<Exclude<(typeof PATH_ID_NAMES)[number], 'packName' | 'recommendationId'>, string> & {
  packName?: string;
  recommendationId?: string;
};

/** A recommendation id of memory's shape (`<workflowId>.<kind>.<12 hex>`) for `recommendationId` left out. */
const recommendationOf = (i: PathIds) => i.recommendationId ?? 'noop-chain.add_recovery_rule.000000000000';

/** One endpoint: its method and path built from ids (a real run, gate, workflow, account, subscription by default). */
export interface EndpointTemplate {
  readonly name: string;
  readonly method: 'GET' | 'POST' | 'PUT';
  path(ids: PathIds): string;
}

export const ENDPOINTS: readonly EndpointTemplate[] = [
  { name: 'start run', method: 'POST', path: (i) => `/v1/workflows/${i.workflowId}/runs` },
  { name: 'list runs', method: 'GET', path: () => '/v1/runs' },
  { name: 'run', method: 'GET', path: (i) => `/v1/runs/${i.runId}` },
  { name: 'events', method: 'GET', path: (i) => `/v1/runs/${i.runId}/events` },
  { name: 'trace', method: 'GET', path: (i) => `/v1/runs/${i.runId}/trace` },
  { name: 'checkpoints', method: 'GET', path: (i) => `/v1/runs/${i.runId}/checkpoints` },
  { name: 'state', method: 'GET', path: (i) => `/v1/runs/${i.runId}/state` },
  { name: 'diff', method: 'GET', path: (i) => `/v1/runs/${i.runId}/diff` },
  { name: 'audit', method: 'GET', path: (i) => `/v1/runs/${i.runId}/audit` },
  { name: 'fork', method: 'POST', path: (i) => `/v1/runs/${i.runId}/fork` },
  { name: 'retry', method: 'POST', path: (i) => `/v1/runs/${i.runId}/retry` },
  { name: 'skip', method: 'POST', path: (i) => `/v1/runs/${i.runId}/skip` },
  { name: 'revise', method: 'POST', path: (i) => `/v1/runs/${i.runId}/revise` },
  { name: 'cancel', method: 'POST', path: (i) => `/v1/runs/${i.runId}/cancel` },
  { name: 'list gates', method: 'GET', path: () => '/v1/gates' },
  { name: 'gate', method: 'GET', path: (i) => `/v1/gates/${i.gateId}` },
  { name: 'decide gate', method: 'POST', path: (i) => `/v1/gates/${i.gateId}/decision` },
  { name: 'step stats', method: 'GET', path: (i) => `/v1/workflows/${i.workflowId}/stats` },
  { name: 'insights', method: 'GET', path: (i) => `/v1/workflows/${i.workflowId}/insights` },
  { name: 'recommendations', method: 'GET', path: (i) => `/v1/workflows/${i.workflowId}/recommendations` },
  { name: 'accept recommendation', method: 'POST', path: (i) => `/v1/recommendations/${recommendationOf(i)}/accept` },
  { name: 'reject recommendation', method: 'POST', path: (i) => `/v1/recommendations/${recommendationOf(i)}/reject` },
  { name: 'labels', method: 'GET', path: (i) => `/v1/workflows/${i.workflowId}/labels` },
  { name: 'record evaluation', method: 'POST', path: (i) => `/v1/workflows/${i.workflowId}/evaluations` },
  { name: 'evaluations', method: 'GET', path: (i) => `/v1/workflows/${i.workflowId}/evaluations` },
  { name: 'list workflows', method: 'GET', path: () => '/v1/workflows' },
  { name: 'workflow', method: 'GET', path: (i) => `/v1/workflows/${i.workflowId}` },
  { name: 'register workflow', method: 'PUT', path: (i) => `/v1/workflows/${i.workflowId}` },
  { name: 'list policy packs', method: 'GET', path: () => '/v1/policy-packs' },
  { name: 'policy pack', method: 'GET', path: (i) => `/v1/policy-packs/${i.packName ?? 'claims-payout'}` },
  { name: 'register policy pack', method: 'PUT', path: (i) => `/v1/policy-packs/${i.packName ?? 'claims-payout'}` },
  { name: 'list service accounts', method: 'GET', path: () => '/v1/service-accounts' },
  { name: 'create service account', method: 'POST', path: () => '/v1/service-accounts' },
  { name: 'revoke service account', method: 'POST', path: (i) => `/v1/service-accounts/${i.accountId}/revoke` },
  { name: 'webhook', method: 'POST', path: (i) => `/v1/webhooks/${i.workflowId}` },
  { name: 'list subscriptions', method: 'GET', path: () => '/v1/subscriptions' },
  { name: 'create subscription', method: 'POST', path: () => '/v1/subscriptions' },
  { name: 'subscription', method: 'GET', path: (i) => `/v1/subscriptions/${i.subscriptionId}` },
  { name: 'subscription deliveries', method: 'GET', path: (i) => `/v1/subscriptions/${i.subscriptionId}/deliveries` },
  { name: 'list tools', method: 'GET', path: () => '/v1/tools' },
  // Its body needs `goal` and `template` strings, which no hostile body has: every one is refused (400) before the
  // planner is asked; goals.controller.int.spec.ts forwards valid ones to a stand-in planner.
  { name: 'start goal', method: 'POST', path: () => '/v1/goals' },
];

/** Keys that mean something to JavaScript objects, and keys nobody expects. */
const oddKey = fc.oneof(
  fc.constantFrom(
    'constructor',
    '__proto__',
    'prototype',
    'toString',
    'hasOwnProperty',
    'valueOf',
    '__defineGetter__',
    'then',
    '',
    'input',
    'outcome',
    'reason',
    'stepId',
    'at',
    'comment',
    'cases',
    'passRate',
  ),
  fc.string({ unit: 'binary', maxLength: 12 }),
);

/** Objects and arrays nested `depth` levels around `leaf`, as JSON text (built without recursion). */
export const nestedJson = (depth: number, leaf = '1', array = false): string =>
  array ? `${'['.repeat(depth)}${leaf}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`;

const jsonWithOddKeys = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue({ maxDepth: 2 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(oddKey, tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** Request bodies as text: valid JSON of any shape, deep nesting, odd keys, unicode, big strings, and junk. */
export const hostileBody: fc.Arbitrary<string> = fc.oneof(
  fc.jsonValue().map((value) => JSON.stringify(value)),
  jsonWithOddKeys.map((value) => JSON.stringify(value)),
  jsonWithOddKeys.map((value) => JSON.stringify({ input: value })),
  fc.dictionary(oddKey, jsonWithOddKeys, { maxKeys: 4 }).map((input) => JSON.stringify({ input })),
  fc
    .tuple(fc.integer({ min: 1, max: 20_000 }), fc.boolean())
    .map(([depth, array]) => `{"input":{"x":${nestedJson(depth, '"deep"', array)}}}`),
  fc
    .tuple(fc.integer({ min: 1, max: 200_000 }), fc.constantFrom('x', 'é', '😀', '\u0000', '\\"'))
    .map(([n, unit]) => JSON.stringify({ input: { s: unit.repeat(Math.floor(n / unit.length / 4) + 1) } })),
  fc.constantFrom(
    '{"input":{"constructor":1}}',
    '{"input":{"__proto__":{"polluted":true}}}',
    '{"constructor":{"prototype":1}}',
    '{"outcome":"approve","constructor":1}',
    '{"reason":"x","__proto__":[]}',
    '{"at":"cp-1","prototype":{}}',
    '{"stepId":"g1","constructor":{"name":"x"}}',
    '{"comment":"ok","__proto__":{"decision":"accept"}}',
    `{"workflowVersion":"1.0.0","goldenSet":"g","goldenSetDigest":"sha256:${'0'.repeat(64)}","passRate":2,"cases":[{"constructor":1}]}`,
  ),
  fc.string({ unit: 'binary', maxLength: 200 }),
);

/** Content types a client may send (undefined: the header is left out). */
export const hostileContentType: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 4, arbitrary: fc.constant('application/json') },
  fc.constantFrom(
    undefined,
    'application/yaml',
    'text/yaml',
    'application/json; charset=utf-8',
    'application/json; charset=latin1',
    'APPLICATION/JSON',
    'text/plain',
    'text/html',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=xyz',
    'application/xml',
    'application/vnd.api+json',
    'application/octet-stream',
    '*/*',
    '',
  ),
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
);

/** Path segments: percent-encoded arbitrary text (control characters, unicode, dots, slashes) or raw junk escapes. */
export const hostileSegment: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 120 }).map(encodeURIComponent),
  fc.constantFrom(
    '%0D%0A',
    'abc%0D%0Adef',
    '%00',
    '%',
    '%zz',
    '%E0%A4%A',
    '..',
    '%2e%2e',
    '%2F',
    'a.b.c',
    '.g1',
    'r.',
    'x'.repeat(5000),
    '%C0%AF',
    '%FF',
  ),
);
