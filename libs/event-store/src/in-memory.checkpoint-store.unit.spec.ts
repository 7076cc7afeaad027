import { ValidationError } from '@ledgerflow/domain';
import { InMemoryCheckpointStore } from './in-memory.checkpoint-store.js';

describe('InMemoryCheckpointStore', () => {
  it('loads 0 for an unknown name and the last saved position per name', async () => {
    const checkpoints = new InMemoryCheckpointStore();
    expect(await checkpoints.load('relay')).toBe(0);
    await checkpoints.save('relay', 4);
    await checkpoints.save('relay', 9);
    await checkpoints.save('projection', 2);
    expect(await checkpoints.load('relay')).toBe(9);
    expect(await checkpoints.load('projection')).toBe(2);
  });

  it('rejects an empty name or a negative position with a ValidationError naming the field', async () => {
    const checkpoints = new InMemoryCheckpointStore();
    await expect(checkpoints.save('', 1)).rejects.toMatchObject({ details: { field: 'name' } });
    await expect(checkpoints.save('relay', -3)).rejects.toBeInstanceOf(ValidationError);
    expect(await checkpoints.load('relay')).toBe(0);
  });
});
