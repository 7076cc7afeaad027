import { EVENTS_STREAM } from '@ledgerflow/contracts';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { startDurableConsumer, type ConsumedMessage } from './durable-consumer.js';
import { eventually, sleep, startNatsFixture } from './nats.spec-util.js';
import { ensureStreams } from './streams.js';

it('dbg', async () => {
  const nats = await startNatsFixture();
  await ensureStreams(nats.nc);
  const handled: number[] = [];
  const options = {
    stream: EVENTS_STREAM, durable: 'limit-test', filterSubjects: ['lf.evt.limit.>'], concurrency: 3,
    handler: async (m: ConsumedMessage) => { await sleep(100); handled.push(m.json<{ n: number }>().n); },
  };
  const first = await startDurableConsumer(nats.nc, options);
  for (let n = 0; n < 9; n++) await jetstream(nats.nc).publish('lf.evt.limit.s1.Done', JSON.stringify({ n }));
  await eventually('some handled', () => handled.length >= 3);
  await first.stop();
  const jsm = await jetstreamManager(nats.nc);
  console.log('after stop', handled, JSON.stringify(await jsm.consumers.info(EVENTS_STREAM, 'limit-test')));
  await sleep(1000);
  console.log('1s later', JSON.stringify(await jsm.consumers.info(EVENTS_STREAM, 'limit-test')));
  await nats.stop();
});
