import type { CheckpointStore } from '@ledgerflow/event-store';

/**
 * Saves a relay's position every `everyEvents` advances or `everyMs` after the first unsaved one,
 * whichever comes first. Saves run one at a time and never move the checkpoint backwards; a failed
 * save is reported and retried on the next trigger.
 */
export class CheckpointSaver {
  saved = 0;
  private latest = 0;
  private sinceSave = 0;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly store: CheckpointStore,
    private readonly name: string,
    private readonly everyEvents: number,
    private readonly everyMs: number,
    private readonly report: (err: unknown) => void,
  ) {}

  /** The position loaded at start: already saved. */
  loaded(position: number): void {
    this.saved = position;
    this.latest = position;
  }

  /**
   * Records a new position, `events` (default 1) past the previous one; resolves once a save it triggered
   * (every `everyEvents`) is done. Never rejects (a failed save is reported).
   */
  async advanced(position: number, events = 1): Promise<void> {
    this.latest = position;
    this.sinceSave += events;
    if (this.sinceSave >= this.everyEvents) {
      await this.flush();
    } else if (!this.timer && !this.closed) {
      this.timer = setTimeout(() => void this.flush(), this.everyMs);
    }
  }

  /** Saves the latest position one last time; no timer is armed afterwards. */
  close(): Promise<void> {
    this.closed = true;
    return this.flush();
  }

  /** Saves the latest position now (after any save in progress). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.sinceSave = 0;
    this.chain = this.chain.then(() => this.saveLatest());
    return this.chain;
  }

  private async saveLatest(): Promise<void> {
    const position = this.latest;
    if (position <= this.saved) return;
    try {
      await this.store.save(this.name, position);
      this.saved = position;
    } catch (err) {
      this.report(err);
      if (!this.timer && !this.closed) this.timer = setTimeout(() => void this.flush(), this.everyMs);
    }
  }
}
