import { TOOLS_BUCKET } from './planning.js';
import { ANCHORS_STREAM, DLQ_STREAM, EVENTS_STREAM, TRIGGERS_STREAM, dedupeBucketOf, subjects } from './subjects.js';

/**
 * Who may publish and subscribe to what on the bus (docs/security.md, "The bus (NATS)"; docs/subjects.md).
 * nats-server enforces these lists per user (nkey); `libs/messaging` renders them into the server's
 * `authorization` block. A subject here may use the NATS wildcards `*` (one token) and `>` (the rest).
 */

/** The six services; each connects as its own NATS user. */
export const NATS_SERVICE_PRINCIPALS = ['planner', 'executor', 'policy', 'approval', 'memory', 'gateway'] as const;
export type NatsServicePrincipal = (typeof NATS_SERVICE_PRINCIPALS)[number];

/** The permissions of one NATS user. `publish`/`subscribe` are allow lists; anything else is refused. */
export interface NatsPermissions {
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
  /** May publish to the reply subject of a request it received (once, within the server's default expiry). */
  readonly allowResponses: boolean;
}

/**
 * A NATS user: its name (`planner`, `publisher`, a tool worker's name, `admin`), its kind, and its
 * permissions; `permissions` undefined means every subject (the `admin` user: tests and operators).
 */
export interface NatsPrincipal {
  readonly name: string;
  readonly kind: 'service' | 'tool-worker' | 'publisher' | 'admin';
  readonly permissions?: NatsPermissions;
}

/**
 * The inbox prefix of a NATS user: `_INBOX_<publicKey>` (its nkey public key, `U...`, 56 characters). Each
 * user may subscribe only to its own prefix, so no one reads another user's replies (the policy service's
 * grants travel in replies to the executor). Clients pass it as `inboxPrefix` (libs/messaging does).
 */
export const inboxPrefixOf = (publicKey: string): string => `_INBOX_${publicKey}`;

/**
 * The run event types the executor consumes from `LF_EVENTS`: those another process may append and after which
 * the executor has something to do (a new or revised plan, a gate decided, an operator's retry, skip, pause,
 * resume or cancel, an external step completed or failed, a run ended elsewhere that frees a slot). Its own
 * appends (policy decisions, step starts, most outcomes, run completion) it reacts to in process; a relayed copy
 * of one it has folded is acked without work. One durable per type, `executor-<Type>` (nats-server 2.9 takes one
 * filter subject per consumer), so the executor receives about one event per step instead of every event.
 */
export const EXECUTOR_EVENT_TYPES = [
  'PlanCreated',
  'PlanRevised',
  'GateDecided',
  'StepSucceeded',
  'StepFailed',
  'StepRetryScheduled',
  'StepSkipped',
  'RunPaused',
  'RunResumed',
  'RunFailed',
  'RunCancelled',
] as const;

/** The executor's durable consumer of one event type: `executor-<Type>`. */
export const executorDurable = (eventType: string): string => `executor-${eventType}`;

/** The durable JetStream consumers each service runs, by stream (names as in the services' consumers). */
export const SERVICE_CONSUMERS: Readonly<
  Record<NatsServicePrincipal, readonly (readonly [stream: string, durable: string])[]>
> = {
  planner: [
    [TRIGGERS_STREAM, 'planner'],
    [EVENTS_STREAM, 'planner-recovery'],
    [EVENTS_STREAM, 'planner-adaptive-StepSucceeded'],
    [EVENTS_STREAM, 'planner-adaptive-StepFailed'],
  ],
  executor: EXECUTOR_EVENT_TYPES.map((type) => [EVENTS_STREAM, executorDurable(type)] as const),
  policy: [],
  approval: [
    [EVENTS_STREAM, 'approval-gate-opened'],
    [EVENTS_STREAM, 'approval-gate-escalated'],
  ],
  memory: [[EVENTS_STREAM, 'memory']],
  gateway: [[EVENTS_STREAM, 'gateway-webhooks']],
};

/** The request subjects each service answers (queue group = service name). */
export const SERVICE_REQUESTS_SERVED: Readonly<Record<NatsServicePrincipal, readonly string[]>> = {
  planner: [
    subjects.plannerStartRun,
    subjects.plannerStartGoal,
    subjects.plannerForkRun,
    subjects.plannerRunCommand,
    subjects.plannerRegisterWorkflow,
  ],
  executor: [],
  policy: [subjects.policyEvaluate, subjects.policyRegisterPack, subjects.policyDryRun],
  approval: [subjects.approvalDecideGate, subjects.approvalOpenGates],
  memory: [
    subjects.memoryStepStats,
    subjects.memoryInsights,
    subjects.memoryRecommendations,
    subjects.memoryDecideRecommendation,
    subjects.memoryLabels,
    subjects.memoryRecordEvaluation,
    subjects.memoryEvaluations,
  ],
  gateway: [],
};

/**
 * What each service publishes besides JetStream API calls and acks: only the executor calls tools and
 * policy, asks approval to open the gates a run waits for and sends its replicas' heartbeats (`lf.executor.presence.*`), only the gateway forwards humans' commands, only the planner (host of the event relay) writes
 * `lf.evt.>` (and `lf.dlq.relay`, where the relay dead-letters an event it cannot publish; it reads the last message of
 * `LF_EVENTS` to resume after another replica), and only the
 * planner (host of the anchor publisher) signs stream heads into `lf.anchor.>`. Memory registers the definition
 * version an accepted recommendation makes (`lf.planner.register-workflow`, with the deciding person's token).
 */
export const SERVICE_PUBLISHES: Readonly<Record<NatsServicePrincipal, readonly string[]>> = {
  planner: [
    subjects.eventsAll,
    'lf.trigger-rejected.>',
    subjects.deadLetter('relay'),
    subjects.anchorsAll,
    `$JS.API.STREAM.MSG.GET.${EVENTS_STREAM}`,
    // A generated plan's policy dry run (docs/planning.md), before it is recorded.
    subjects.policyDryRun,
  ],
  executor: ['lf.tool.>', subjects.policyEvaluate, subjects.approvalOpenGates, subjects.executorPresence('*')],
  policy: [],
  approval: [],
  // A recommendation a person accepted becomes a new definition version, registered with that person's token.
  memory: [subjects.plannerRegisterWorkflow],
  gateway: [
    subjects.approvalDecideGate,
    subjects.plannerStartRun,
    subjects.plannerStartGoal,
    subjects.plannerForkRun,
    subjects.plannerRunCommand,
    subjects.plannerRegisterWorkflow,
    subjects.policyRegisterPack,
    subjects.memoryStepStats,
    subjects.memoryInsights,
    subjects.memoryRecommendations,
    subjects.memoryDecideRecommendation,
    subjects.memoryLabels,
    subjects.memoryRecordEvaluation,
    subjects.memoryEvaluations,
  ],
};

/**
 * Relayed store events a service follows with a plain (core NATS) subscription, as a notification only (it reads
 * the store itself): the policy service hears of new policy pack versions on `lf.evt.policypack.>` and catches up;
 * each executor hears its replicas' heartbeats (services/executor/src/executor-presence.ts).
 */
export const SERVICE_NOTIFICATIONS: Readonly<Record<NatsServicePrincipal, readonly string[]>> = {
  planner: [],
  executor: [subjects.executorPresence('*')],
  policy: [subjects.eventsOfCategory('policypack')],
  approval: [],
  memory: [],
  gateway: [],
};

const JS_API = '$JS.API';

/**
 * The NATS KV bucket of leases (JetStream stream `KV_LF_LEASES`, subjects `$KV.LF_LEASES.<key>`): one key per
 * singleton, held by one process at a time and renewed before the bucket's TTL (`Lease` in libs/messaging).
 */
export const LEASES_BUCKET = 'LF_LEASES';

/**
 * The lease keys each service may hold: the planner the event relay's (`relay`), approval its gate SLA timers' and
 * notifications' (`approval`), memory its projection's writer (`memory`).
 */
export const SERVICE_LEASES: Readonly<Record<NatsServicePrincipal, readonly string[]>> = {
  planner: ['relay'],
  executor: [],
  policy: [],
  approval: ['approval'],
  memory: ['memory'],
  gateway: [],
};

/**
 * What holding the leases `keys` needs: create the bucket or read its configuration (`STREAM.CREATE`/`INFO` of
 * `KV_LF_LEASES`), read a key (direct get, the subject naming the key), and write it (`$KV.LF_LEASES.<key>`: take,
 * renew and release, each with an expected revision). Empty without keys.
 */
export function leaseSubjects(keys: readonly string[]): string[] {
  if (keys.length === 0) return [];
  const stream = `KV_${LEASES_BUCKET}`;
  return [
    `${JS_API}.STREAM.INFO.${stream}`,
    `${JS_API}.STREAM.CREATE.${stream}`,
    ...keys.flatMap((key) => [
      `$KV.${LEASES_BUCKET}.${key}`,
      `${JS_API}.DIRECT.GET.${stream}.$KV.${LEASES_BUCKET}.${key}`,
    ]),
  ];
}

/**
 * JetStream API subjects every service uses at start (`ensureStreams`: account info, then info, create or
 * update of LF_TRIGGERS, LF_EVENTS, LF_DLQ and LF_ANCHORS, and info or create of the tool catalog's bucket stream
 * `KV_LF_TOOLS`). Known limit: a service may therefore change those streams' configuration (not their content), see
 * docs/subjects.md.
 */
export function streamManagementSubjects(): string[] {
  const streams = [TRIGGERS_STREAM, EVENTS_STREAM, DLQ_STREAM, ANCHORS_STREAM];
  const catalog = `KV_${TOOLS_BUCKET}`;
  return [
    `${JS_API}.INFO`,
    ...streams.flatMap((s) => ['INFO', 'CREATE', 'UPDATE'].map((op) => `${JS_API}.STREAM.${op}.${s}`)),
    `${JS_API}.STREAM.INFO.${catalog}`,
    `${JS_API}.STREAM.CREATE.${catalog}`,
  ];
}

/**
 * The services that read the tool catalog (KV bucket `LF_TOOLS`, docs/planning.md): the gateway serves it at
 * `GET /v1/tools`, the planner plans goals from it.
 */
export const TOOL_CATALOG_READERS: readonly NatsServicePrincipal[] = ['gateway', 'planner'];

/**
 * What reading the tool catalog needs, as the KV client reads: the stream's info (with its per-subject state: the keys),
 * a key's last value (direct get, `DIRECT.GET.KV_LF_TOOLS.$KV.LF_TOOLS.<key>`, or a stream message get), and `keys()` /
 * `watch()`: an ordered push consumer on `KV_LF_TOOLS` (create with or without a filter subject, info, delete) whose
 * flow control the client answers (`$JS.FC.KV_LF_TOOLS.>`); its messages arrive on the reader's own inbox. Nothing
 * that writes: no `$KV.LF_TOOLS.*` publish.
 */
export function toolCatalogReadSubjects(): string[] {
  const stream = `KV_${TOOLS_BUCKET}`;
  return [
    `${JS_API}.STREAM.INFO.${stream}`,
    `${JS_API}.STREAM.MSG.GET.${stream}`,
    `${JS_API}.DIRECT.GET.${stream}`,
    `${JS_API}.DIRECT.GET.${stream}.>`,
    `${JS_API}.CONSUMER.CREATE.${stream}`,
    `${JS_API}.CONSUMER.CREATE.${stream}.>`,
    `${JS_API}.CONSUMER.INFO.${stream}.*`,
    `${JS_API}.CONSUMER.DELETE.${stream}.*`,
    `$JS.FC.${stream}.>`,
  ];
}

/**
 * What announcing tools needs (libs/sdk: a tool worker puts one catalog entry per tool action it serves): the keys of
 * the tool subjects `toolSubjects` serves, `lf.tool.<tool>.<action>` -> `$KV.LF_TOOLS.<tool>.<action>` (a `*` or `>`
 * action stays a wildcard: every action of that tool), and no key of another tool. Empty without subjects.
 */
export function toolCatalogWriteSubjects(toolSubjects: readonly string[]): string[] {
  return toolSubjects.map((subject) => `$KV.${TOOLS_BUCKET}.${subject.slice('lf.tool.'.length)}`);
}

/**
 * What a durable pull consumer `durable` on `stream` needs: create or update it (with or without a filter
 * subject in the API subject), read its info, pull (`MSG.NEXT`), ack/nak (`$JS.ACK`) and dead-letter
 * (`lf.dlq.<durable>`).
 */
export function consumerSubjects(stream: string, durable: string): string[] {
  const c = `${stream}.${durable}`;
  return [
    `${JS_API}.CONSUMER.CREATE.${c}`,
    `${JS_API}.CONSUMER.CREATE.${c}.>`,
    `${JS_API}.CONSUMER.DURABLE.CREATE.${c}`,
    `${JS_API}.CONSUMER.INFO.${c}`,
    `${JS_API}.CONSUMER.MSG.NEXT.${c}`,
    `$JS.ACK.${c}.>`,
    subjects.deadLetter(durable),
  ];
}

/** The permissions of a service whose user has inbox prefix `inboxPrefix` (see {@link inboxPrefixOf}). */
export function servicePermissions(service: NatsServicePrincipal, inboxPrefix: string): NatsPermissions {
  const served = SERVICE_REQUESTS_SERVED[service];
  return {
    publish: [
      ...SERVICE_PUBLISHES[service],
      ...streamManagementSubjects(),
      ...SERVICE_CONSUMERS[service].flatMap(([stream, durable]) => consumerSubjects(stream, durable)),
      ...leaseSubjects(SERVICE_LEASES[service]),
      ...(TOOL_CATALOG_READERS.includes(service) ? toolCatalogReadSubjects() : []),
    ],
    subscribe: [...served, ...SERVICE_NOTIFICATIONS[service], `${inboxPrefix}.>`],
    allowResponses: served.length > 0,
  };
}

/**
 * What tool worker `worker`'s replicas need to share their replies in the KV bucket `LF_DEDUPE_<worker>` (libs/sdk
 * `KvIdempotencyStore`): create it or read its configuration, read and write its keys. Only that bucket.
 */
export function dedupeSubjects(worker: string): string[] {
  const bucket = dedupeBucketOf(worker);
  const stream = `KV_${bucket}`;
  return [
    `${JS_API}.INFO`,
    `${JS_API}.STREAM.INFO.${stream}`,
    `${JS_API}.STREAM.CREATE.${stream}`,
    `$KV.${bucket}.>`,
    `${JS_API}.DIRECT.GET.${stream}`,
    `${JS_API}.DIRECT.GET.${stream}.>`,
    `${JS_API}.STREAM.MSG.GET.${stream}`,
  ];
}

/**
 * A tool worker serving `toolSubjects` (e.g. `['lf.tool.bench.>']`, each under `lf.tool.`): it subscribes
 * to those and its own inbox, answers requests, and publishes nothing else but the catalog keys of those tools
 * ({@link toolCatalogWriteSubjects}) and, given its name `worker`, the {@link dedupeSubjects} of its replies' bucket.
 * @throws RangeError when a subject is not under `lf.tool.` or the list is empty.
 */
export function toolWorkerPermissions(
  toolSubjects: readonly string[],
  inboxPrefix: string,
  worker?: string,
): NatsPermissions {
  if (toolSubjects.length === 0)
    throw new RangeError('a tool worker needs at least one tool subject (lf.tool.<tool>.<action> or lf.tool.<tool>.>)');
  for (const subject of toolSubjects) {
    if (!/^lf\.tool\.[^\s.*>]+\.([^\s.*>]+|\*|>)$/.test(subject)) {
      throw new RangeError(
        `tool subject "${subject}" must be lf.tool.<tool>.<action>, lf.tool.<tool>.* or lf.tool.<tool>.>`,
      );
    }
  }
  return {
    publish: [...(worker === undefined ? [] : dedupeSubjects(worker)), ...toolCatalogWriteSubjects(toolSubjects)],
    subscribe: [...toolSubjects, `${inboxPrefix}.>`],
    allowResponses: true,
  };
}

/**
 * An enterprise system publishing triggers into JetStream (`lf.trigger.<workflow>`; `workflows` default:
 * all) and reading the rejections of its triggers (`lf.trigger-rejected.<workflow>`); its inbox receives the
 * JetStream publish acks.
 */
export function publisherPermissions(inboxPrefix: string, workflows: readonly string[] = ['>']): NatsPermissions {
  return {
    publish: workflows.map((w) => `lf.trigger.${w}`),
    subscribe: [...workflows.map((w) => `lf.trigger-rejected.${w}`), `${inboxPrefix}.>`],
    allowResponses: false,
  };
}

/** The principals of a deployment, with permissions for each user's inbox prefix. */
export interface NatsPrincipalSpec {
  /** Tool workers by name, each with the tool subjects it serves. */
  readonly toolWorkers?: Readonly<Record<string, readonly string[]>>;
}

/** The principal names every deployment has: the six services, `publisher` and `admin`. */
export const NATS_FIXED_PRINCIPALS = [...NATS_SERVICE_PRINCIPALS, 'publisher', 'admin'] as const;

/**
 * Every principal of a deployment: the six services, `publisher`, `admin` (no restriction), and the given
 * tool workers; `inboxOf(name)` is each user's inbox prefix.
 * @throws RangeError for a tool worker named like a fixed principal, or with invalid tool subjects.
 */
export function natsPrincipals(spec: NatsPrincipalSpec, inboxOf: (name: string) => string): NatsPrincipal[] {
  const workers = Object.entries(spec.toolWorkers ?? {});
  for (const [name] of workers) {
    if ((NATS_FIXED_PRINCIPALS as readonly string[]).includes(name))
      throw new RangeError(`tool worker name "${name}" is taken by a Ledgerflow principal`);
    if (!/^[A-Za-z0-9_-]+$/.test(name))
      throw new RangeError(`tool worker name "${name}" may hold only letters, digits, "-" and "_"`);
  }
  return [
    ...NATS_SERVICE_PRINCIPALS.map((name): NatsPrincipal => ({
      name,
      kind: 'service',
      permissions: servicePermissions(name, inboxOf(name)),
    })),
    { name: 'publisher', kind: 'publisher', permissions: publisherPermissions(inboxOf('publisher')) },
    ...workers.map(([name, tools]): NatsPrincipal => ({
      name,
      kind: 'tool-worker',
      permissions: toolWorkerPermissions(tools, inboxOf(name), name),
    })),
    { name: 'admin', kind: 'admin' },
  ];
}
