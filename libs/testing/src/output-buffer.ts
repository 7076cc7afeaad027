import type { Readable } from 'node:stream';

/** Keeps the last `maxLines` lines written by one or more streams, split on newlines, in arrival order. */
export class OutputBuffer {
  private readonly lines: string[] = [];

  constructor(private readonly maxLines: number) {}

  /** Reads `stream` as UTF-8 lines; calls `onLine` for each complete line (and the unterminated tail at end). */
  attach(stream: Readable | null, onLine: (line: string) => void): void {
    if (!stream) return;
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (partial + chunk).split(/\r?\n/);
      partial = parts.pop() ?? '';
      for (const line of parts) this.push(line, onLine);
    });
    stream.on('end', () => {
      if (partial !== '') this.push(partial, onLine);
      partial = '';
    });
  }

  text(): string {
    return this.lines.join('\n');
  }

  private push(line: string, onLine: (line: string) => void): void {
    this.lines.push(line);
    if (this.lines.length > this.maxLines) this.lines.splice(0, this.lines.length - this.maxLines);
    onLine(line);
  }
}
