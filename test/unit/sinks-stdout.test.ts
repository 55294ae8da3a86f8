import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { SinkError } from '../../src/sinks/sink.js';
import { StdoutSink } from '../../src/sinks/stdout.js';
import { alertFixture } from '../support/fake-sinks.js';

const signal = new AbortController().signal;

function collect(stream: PassThrough): () => string {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return () => Buffer.concat(chunks).toString('utf8');
}

describe('StdoutSink', () => {
  it('writes one JSON line per alert that parses back to the alert', async () => {
    const stream = new PassThrough();
    const output = collect(stream);
    const sink = new StdoutSink({ stream });
    const first = alertFixture();
    const second = alertFixture({
      id: 'ffffffffffffffffffffffffffffffff',
      summary: 'line\u2028separator\u2029and\nnewline',
    });
    await sink.deliver(first, signal);
    await sink.deliver(second, signal);
    const lines = output().split(/\r?\n|\u2028|\u2029/);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(JSON.parse(lines[0]!)).toEqual(first);
    expect(JSON.parse(lines[1]!)).toEqual(second);
    expect(sink).toMatchObject({ name: 'stdout', kind: 'stdout' });
  });

  it('gives a non-retryable SinkError when the stream is closed or failing', async () => {
    const closed = new PassThrough();
    closed.destroy();
    await expect(new StdoutSink({ stream: closed, name: 'out' }).deliver(alertFixture(), signal)).rejects.toMatchObject(
      { code: ErrorCode.sink, retryable: false },
    );

    const failing = new Writable({
      write: (_chunk, _encoding, callback) => callback(Object.assign(new Error('broken pipe'), { code: 'EPIPE' })),
    });
    const sink = new StdoutSink({ stream: failing, name: 'out' });
    const error = await sink.deliver(alertFixture(), signal).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SinkError);
    expect(error).toMatchObject({ retryable: false, message: 'out: write failed (EPIPE)' });
    // The 'error' event was handled by the sink (no crash) and later deliveries fail fast.
    await expect(sink.deliver(alertFixture(), signal)).rejects.toMatchObject({ retryable: false });
  });

  it('does not write when the signal is already aborted', async () => {
    const stream = new PassThrough();
    const output = collect(stream);
    await expect(new StdoutSink({ stream }).deliver(alertFixture(), AbortSignal.abort())).rejects.toMatchObject({
      retryable: true,
    });
    expect(output()).toBe('');
  });
});
