import type { Writable } from 'node:stream';
import type { Alert } from '../alerts/alert.js';
import { SinkError, type Sink } from './sink.js';

export interface StdoutSinkOptions {
  /** Configured sink name; default `stdout`. */
  name?: string;
  /** Where the lines go; default `process.stdout`. */
  stream?: Writable;
}

/**
 * Writes each alert as one JSON line, for replay and debugging. U+2028/2029 are
 * written as `\u2028`/`\u2029` escapes so tools that treat them as line breaks
 * still see one alert per line. `deliver` resolves once the stream has taken the
 * line; a stream that failed or closed gives a non-retryable SinkError (retrying
 * cannot reopen it).
 */
export class StdoutSink implements Sink {
  readonly kind = 'stdout' as const;
  readonly name: string;
  readonly #stream: Writable;
  #failure: string | undefined;

  constructor(options: StdoutSinkOptions = {}) {
    this.name = options.name ?? 'stdout';
    this.#stream = options.stream ?? process.stdout;
    // A write error is also emitted as 'error'; unhandled, it would end the process (EPIPE when the reader goes away).
    this.#stream.on('error', (error: NodeJS.ErrnoException) => {
      this.#failure ??= error.code ?? 'write error';
    });
  }

  async deliver(alert: Alert, signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw new SinkError(this.name, 'aborted', true);
    if (this.#failure !== undefined) throw new SinkError(this.name, `stream failed (${this.#failure})`, false);
    if (this.#stream.destroyed || this.#stream.writableEnded) throw new SinkError(this.name, 'stream is closed', false);
    const line = `${JSON.stringify(alert)
      .replace(/\u2028/g, '\\u2028')
      .replace(/\u2029/g, '\\u2029')}\n`;
    await new Promise<void>((resolve, reject) => {
      this.#stream.write(line, (error) => {
        if (error === null || error === undefined) resolve();
        else
          reject(new SinkError(this.name, `write failed (${(error as NodeJS.ErrnoException).code ?? 'error'})`, false));
      });
    });
  }
}
