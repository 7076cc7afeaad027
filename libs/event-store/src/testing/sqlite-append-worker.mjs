// Child process of sqlite.multi-process.int.spec.ts: appends to one SQLite file alongside other workers.
// Usage: node sqlite-append-worker.mjs <file> <workerId> <appends> <startAtEpochMs>
// - `appends` single-event appends to its own stream `proc-<workerId>` (exact expected revisions), and
// - `appends` appends to the shared stream `shared` (every 5th one a batch of 2 events), each in a
//   read -> decide (0-1 ms) -> append loop that re-reads and retries on ConcurrencyError.
// Prints one JSON line: { ownEventIds, sharedEventIds, sharedAppends, conflicts, errors }. Exit 1 on any other error.
import { ConcurrencyError, SqliteEventStore } from '../../dist/index.js';

const [file, workerId, appendsArg, startAtArg] = process.argv.slice(2);
const appends = Number(appendsArg);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function event(type, eventId) {
  return {
    type,
    data: { workerId, eventId },
    metadata: {
      eventId,
      runId: `worker-${workerId}`,
      causationId: eventId,
      actor: { kind: 'system', id: `worker-${workerId}` },
      occurredAt: new Date().toISOString(),
      schemaVersion: 1,
    },
  };
}

const result = { ownEventIds: [], sharedEventIds: [], sharedAppends: 0, conflicts: 0, errors: [] };
const store = await SqliteEventStore.open(file);
await sleep(Math.max(0, Number(startAtArg) - Date.now()));
try {
  for (let i = 0; i < appends; i++) {
    const ownId = `w${workerId}-own-${i}`;
    await store.append(`proc-${workerId}`, [event('OwnAppended', ownId)], {
      expectedRevision: i === 0 ? 'no_stream' : i - 1,
    });
    result.ownEventIds.push(ownId);

    const ids =
      i % 5 === 0 ? [`w${workerId}-shared-${i}-a`, `w${workerId}-shared-${i}-b`] : [`w${workerId}-shared-${i}`];
    for (let attempt = 1; ; attempt++) {
      const [last] = await store.readStream('shared', { direction: 'backwards', maxCount: 1 });
      await sleep(Math.random() < 0.5 ? 0 : 1); // time to decide, as a service would
      try {
        await store.append(
          'shared',
          ids.map((id) => event('SharedAppended', id)),
          {
            expectedRevision: last ? last.revision : 'no_stream',
          },
        );
        break;
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt >= 1000) throw error;
        result.conflicts += 1;
      }
    }
    result.sharedAppends += 1;
    result.sharedEventIds.push(...ids);
  }
} catch (error) {
  result.errors.push({ name: error?.name, code: error?.code, message: String(error?.message ?? error) });
  process.exitCode = 1;
} finally {
  await store.close();
}
process.stdout.write(`${JSON.stringify(result)}\n`);
