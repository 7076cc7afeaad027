import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { headers, runIdFor, subjects } from '@ledgerflow/contracts';
import { connectNats, natsAuthFromEnv } from '@ledgerflow/messaging';
import { readStatusFile } from '@ledgerflow/supervisor';
import { UsageError, stringOption } from './args.js';
import type { ParsedArgs } from './args.js';
import type { CliCommand, CliIo } from './command.js';
import { dataDirOf } from './start-layout.js';

const usage = 'triggers publish <workflowId> [--input <file.json>] [--idempotency-key <key>] [--data-dir <dir>]';

/** Workflow ids as definitions declare them (a NATS subject token). */
const WORKFLOW_ID = /^[a-z][a-z0-9-]{0,62}$/;

/** Where to publish and as whom: `NATS_URL` and the NATS credential variables, else a `ledgerflow start` data directory's. */
function natsSettingsOf(
  env: Readonly<Record<string, string | undefined>>,
  dataDir: string | undefined,
): Record<string, string | undefined> {
  if (env.NATS_URL) return env;
  const layout = dataDirOf(dataDir, env);
  let natsUrl: string | undefined;
  try {
    natsUrl = readStatusFile(layout.statusFile).info.natsUrl;
  } catch {
    throw new UsageError(
      `NATS_URL is not set and no ledgerflow start runs on ${layout.root} (set NATS_URL, or --data-dir)`,
    );
  }
  const seed = join(layout.natsCredentialsDir, 'publisher.nk');
  return {
    ...env,
    NATS_URL: natsUrl,
    ...(!env.NATS_NKEY_SEED && !env.NATS_NKEY_SEED_FILE && existsSync(seed) ? { NATS_NKEY_SEED_FILE: seed } : {}),
  };
}

/**
 * `ledgerflow triggers publish <workflowId>`: publishes a trigger the way an enterprise system does, to JetStream
 * subject `lf.trigger.<workflowId>` (stream `LF_TRIGGERS`), with the idempotency key (default a fresh UUID) as the
 * `lf-idempotency-key` header and the message id (JetStream drops a repeat within its duplicate window). The body is
 * `--input` (a JSON file; default `{}`). Connects with `NATS_URL` and `NATS_NKEY_SEED_FILE`/`NATS_NKEY_SEED`, or, when
 * `NATS_URL` is unset, as the `publisher` user of a `ledgerflow start` data directory. Prints the run id the trigger
 * maps to (watch it with `ledgerflow runs watch <id>`). A trigger the planner refuses (unknown workflow, input failing
 * the schema) is published with its error on `lf.trigger-rejected.<workflowId>`. Exit 0 when JetStream stored it,
 * 1 when publishing failed, 2 for usage errors (an unreadable or non-JSON input file included).
 */
async function run(args: ParsedArgs, io: CliIo): Promise<number> {
  const options = { get: (name: string) => stringOption(args, name) };
  const workflowId = args.positional[0] as string;
  if (!WORKFLOW_ID.test(workflowId))
    throw new UsageError(
      `a workflow id matching ^[a-z][a-z0-9-]{0,62}$ is required, got ${JSON.stringify(workflowId)}`,
    );
  const key = options.get('idempotency-key') ?? randomUUID();
  if (key.length === 0 || key.length > 200) throw new UsageError('--idempotency-key must be 1..200 characters');
  let body = '{}';
  const inputFile = options.get('input');
  if (inputFile !== undefined) {
    try {
      body = await readFile(inputFile, 'utf8');
    } catch (error) {
      throw new UsageError(
        `--input: cannot read ${inputFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
    try {
      JSON.parse(body);
    } catch (error) {
      throw new UsageError(`--input: ${inputFile} is not valid JSON: ${(error as Error).message}`);
    }
  }
  const env = natsSettingsOf(io.env, options.get('data-dir'));
  let nc;
  try {
    nc = await connectNats({
      servers: env.NATS_URL as string,
      name: 'ledgerflow-cli',
      auth: natsAuthFromEnv(env),
      extra: { maxReconnectAttempts: 0 },
    });
  } catch (error) {
    io.err(`error: cannot connect to NATS at ${env.NATS_URL}: ${(error as Error).message}\n`);
    return 1;
  }
  try {
    const hdrs = natsHeaders();
    hdrs.set(headers.idempotencyKey, key);
    const ack = await jetstream(nc).publish(subjects.trigger(workflowId), body, { msgID: key, headers: hdrs });
    io.out(
      `published ${subjects.trigger(workflowId)} (stream ${ack.stream}, sequence ${ack.seq}${ack.duplicate ? ', a repeat: dropped' : ''}); run ${runIdFor(workflowId, key)}\n`,
    );
    return 0;
  } catch (error) {
    io.err(`error: publishing to ${subjects.trigger(workflowId)} failed: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await nc.close();
  }
}

export const triggersCommand: CliCommand = {
  path: ['triggers', 'publish'],
  usage,
  summary: 'Publish a trigger to JetStream as an enterprise system does; prints the run id',
  arguments: [{ name: '<workflowId>', description: 'the workflow the trigger starts' }],
  options: [
    { flags: '--input <file.json>', description: 'the trigger body, a JSON file (default {})' },
    { flags: '--idempotency-key <key>', description: '1..200 characters (default a fresh UUID): one key, one run' },
    { flags: '--data-dir <dir>', description: 'the `ledgerflow start` data directory (its NATS publisher user)' },
  ],
  details: 'Exit codes: 0 stored by JetStream, 1 publishing failed, 2 usage errors.',
  run,
};
