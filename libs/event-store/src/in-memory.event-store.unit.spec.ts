import { describeEventStoreContract } from './event-store.contract.spec-util.js';
import { InMemoryEventStore } from './in-memory.event-store.js';

describeEventStoreContract('in-memory', async () => new InMemoryEventStore());
