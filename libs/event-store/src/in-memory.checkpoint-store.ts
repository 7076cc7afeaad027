import { validateCheckpoint } from './checkpoint-validation.js';
import type { CheckpointStore } from './checkpoint-store.port.js';

/** A `CheckpointStore` held in a map: unit tests only. */
export class InMemoryCheckpointStore implements CheckpointStore {
  private readonly positions = new Map<string, number>();

  async load(name: string): Promise<number> {
    return this.positions.get(name) ?? 0;
  }

  async save(name: string, position: number): Promise<void> {
    validateCheckpoint(name, position);
    this.positions.set(name, position);
  }

  async close(): Promise<void> {}
}
