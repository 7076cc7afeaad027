import { join } from 'node:path';
import type { JetStreamManager } from '@nats-io/jetstream';
import { DLQ_STREAM, subjects } from '@ledgerflow/contracts';
import { deadLetterHeaders } from '@ledgerflow/messaging';
import type { ExtraProcess } from '@ledgerflow/testing';

/**
 * Dead letters made on purpose for the replicas e2e test: a test-only stream and durable whose handler fails on
 * every message (fixtures/poison-consumer.mjs), so the product's durable consumer (`startDurableConsumer`,
 * libs/messaging) dead-letters each message after `maxDeliver` deliveries into `LF_DLQ`, while the consumer's
 * processes are killed with the services and nats-server is restarted.
 */
export const POISON = {
  stream: 'LF_CHAOS_POISON',
  durable: 'chaos-poison',
  /** Messages are published on `<subject>.<n>`. */
  subject: 'chaos.poison',
  maxDeliver: 3,
} as const;

/** The message id of the dead letter of poison message `seq` (its stream sequence): `deadLetterMsgId` of libs/messaging. */
export const poisonDeadLetterId = (seq: number): string => `dlq-${POISON.stream}-${POISON.durable}-${seq}`;

/**
 * The poison consumer as `replicas` extra processes (`poison-consumer`, `poison-consumer#2`, ...) of a stack whose
 * data directory is `dataDir`. They connect as the stack's `admin` NATS user (its seed is
 * `<dataDir>/nats-credentials/admin.nk`, see `startStack`): they create a stream and a durable and publish on
 * `lf.dlq.*`, which no tool worker may. The tool subject given (so that the stack makes them a user) is never served.
 */
export function poisonConsumers(dataDir: string, replicas: number): ExtraProcess {
  return {
    name: 'poison-consumer',
    script: 'services/executor/src/fixtures/poison-consumer.mjs',
    readyLine: /^ledgerflow:ready poison-consumer$/,
    toolSubjects: [subjects.tool('poison', '>')],
    replicas,
    env: {
      NATS_NKEY_SEED_FILE: join(dataDir, 'nats-credentials', 'admin.nk'),
      POISON_STREAM: POISON.stream,
      POISON_DURABLE: POISON.durable,
      POISON_SUBJECT: POISON.subject,
      POISON_MAX_DELIVER: String(POISON.maxDeliver),
    },
  };
}

/** A message of `LF_DLQ`: its message id (`Nats-Msg-Id`) and what it says, for a failure message. */
interface DeadLetter {
  readonly id: string;
  readonly seq: number;
  readonly describe: string;
}

async function readDeadLetters(jsm: JetStreamManager): Promise<DeadLetter[]> {
  const { state } = await jsm.streams.info(DLQ_STREAM);
  const letters: DeadLetter[] = [];
  for (let seq = state.first_seq; state.messages > 0 && seq <= state.last_seq; seq++) {
    const letter = await jsm.streams.getMessage(DLQ_STREAM, { seq }).catch(() => null);
    if (!letter) continue;
    const h = (name: string) => letter.header.get(name) || '?';
    letters.push({
      id: h('Nats-Msg-Id'),
      seq,
      describe: `${h(deadLetterHeaders.consumer)} gave up on ${h(deadLetterHeaders.stream)} #${h(deadLetterHeaders.streamSequence)} (${h(deadLetterHeaders.subject)}, ${h(deadLetterHeaders.deliveries)} deliveries): ${h(deadLetterHeaders.errorCode)} ${h(deadLetterHeaders.errorMessage)}`,
    });
  }
  return letters;
}

/**
 * `LF_DLQ` holds each of `expected` (dead-letter ids) exactly once and nothing else, and the poison durable has no
 * message pending nor awaiting its ack (each was terminated once its dead letter was stored). Problems as
 * sentences (empty: all held).
 */
export async function deadLetterProblems(jsm: JetStreamManager, expected: readonly string[]): Promise<string[]> {
  const problems: string[] = [];
  const letters = await readDeadLetters(jsm);
  for (const id of expected) {
    const copies = letters.filter((letter) => letter.id === id);
    if (copies.length !== 1) problems.push(`dead letter ${id}: in ${DLQ_STREAM} ${copies.length} times, not once`);
  }
  for (const letter of letters.filter((l) => !expected.includes(l.id)))
    problems.push(`unexpected dead letter #${letter.seq} ${letter.id}: ${letter.describe}`);
  const consumer = await jsm.consumers.info(POISON.stream, POISON.durable);
  if (consumer.num_pending > 0 || consumer.num_ack_pending > 0)
    problems.push(
      `durable ${POISON.durable}: ${consumer.num_pending} messages pending, ${consumer.num_ack_pending} awaiting an ack`,
    );
  return problems;
}
