/**
 * Durable resume points of event consumers (the event relay, projections): the global position of the
 * last event a named consumer has fully handled. A consumer resumes with `readAll`/`subscribeToAll`
 * from `load(name)` (events with `position > checkpoint`), so saving after handling gives
 * at-least-once delivery: handlers must be idempotent.
 */
export interface CheckpointStore {
  /** The last saved position of `name`; 0 when none was saved (start from the beginning). */
  load(name: string): Promise<number>;
  /** Saves `position` (a global event position, >= 0) as `name`'s checkpoint, replacing the previous one. */
  save(name: string, position: number): Promise<void>;
  close(): Promise<void>;
}
