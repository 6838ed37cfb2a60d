import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ndjsonBatches } from '../../src/http/ndjson.js';
import { gunzipped } from '../../src/http/spool.js';

/** The bytes as a stream of chunks `size` bytes long. */
function chunked(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, (at += size)));
    },
  });
}

async function all(stream: ReadableStream<Uint8Array>, gzip: boolean, batch = 3) {
  const batches: unknown[][] = [];
  const text = gzip ? gunzipped(stream) : stream;
  for await (const b of ndjsonBatches(text, { batch, maxLineChars: 1000 })) batches.push(b);
  return batches;
}

const users = [
  { user_id: 'auth0|1', name: 'Zoë Ωmega', note: '日本語 and 🙂 split anywhere' },
  { user_id: 'auth0|2', app_metadata: { nested: [1, 2, { deep: true }] } },
  { user_id: 'auth0|3', name: '' },
  { user_id: 'auth0|4', name: 'right-to-left \u202e text' },
  { user_id: 'auth0|5' },
  { user_id: 'auth0|6', emoji: '👩‍👩‍👧‍👦' },
  { user_id: 'auth0|7' },
];
// CRLF endings, blank lines, and no newline after the last line.
const text = users
  .map((u, i) => JSON.stringify(u) + (i % 2 ? '\r\n' : '\n\n'))
  .join('')
  .trimEnd();

describe('NDJSON read a batch at a time (the Auth0 user export)', () => {
  for (const gzip of [false, true])
    for (const size of [1, 7, 1 << 16])
      it(`${gzip ? 'gzip' : 'plain'}, in chunks of ${size} bytes: every value, in order, in whole batches`, async () => {
        const raw = new TextEncoder().encode(text);
        const batches = await all(chunked(gzip ? gzipSync(raw) : raw, size), gzip);
        expect(batches.map((b) => b.length)).toEqual([3, 3, 1]);
        expect(batches.flat()).toEqual(users);
      });

  it('yields the first batch before the file ends: nothing waits for the whole text', async () => {
    const lines = new TextEncoder().encode(users.map((u) => JSON.stringify(u) + '\n').join(''));
    // Never closes: a reader that needed the end would wait forever.
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => controller.enqueue(lines),
    });
    const batches = ndjsonBatches(stream, { batch: 3, maxLineChars: 1000 });
    expect((await batches.next()).value).toEqual(users.slice(0, 3));
    expect((await batches.next()).value).toEqual(users.slice(3, 6));
    await batches.return(undefined);
  });

  it('a line that is not JSON fails the file with its line number', async () => {
    const raw = new TextEncoder().encode('{"a":1}\n\n{"a":2}\n{"a":\n{"a":4}\n');
    await expect(all(chunked(raw, 5), false)).rejects.toThrow(/line 4 is not JSON/);
  });

  it('a line that never ends is refused at the limit, not buffered forever', async () => {
    let sent = 0;
    const longLine = new ReadableStream<Uint8Array>({
      pull: (controller) => {
        sent++;
        controller.enqueue(new TextEncoder().encode('x'.repeat(100)));
      },
    });
    await expect(all(longLine, false)).rejects.toThrow(/line 1 is longer than 1000 characters/);
    expect(sent).toBeLessThan(20);
  });
});
