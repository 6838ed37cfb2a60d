import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline as pipe, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { Spool } from '../../http/spool.js';

/**
 * A download held in a file of its own (readable by this user only) under `directory`, so a
 * large tenant's user export (hundreds of megabytes) does not sit in memory while its users are
 * applied. The file is removed on release, or at once if the download fails.
 */
export const fileSpool =
  (directory: string = tmpdir()): Spool =>
  async (body, signal) => {
    const dir = await mkdtemp(join(directory, 'authsync-download-'));
    const path = join(dir, 'body');
    const removed = () => rm(dir, { recursive: true, force: true });
    try {
      await pipeline(
        Readable.fromWeb(body as NodeReadableStream<Uint8Array>),
        createWriteStream(path, { mode: 0o600 }),
        { signal },
      );
      const { size } = await stat(path);
      const file = await open(path);
      const head = new Uint8Array(16);
      const { bytesRead } = await file.read(head, 0, head.length, 0).finally(() => file.close());
      return {
        size,
        head: head.subarray(0, bytesRead),
        stream: (gunzip) => readBack(path, gunzip),
        release: removed,
      };
    } catch (error) {
      await removed();
      throw error;
    }
  };

/**
 * A file's bytes (inflated from gzip when `gunzip`) as a web stream that reads only when its
 * reader asks: an async iterator over Node streams, which wait for their reader. Not
 * `DecompressionStream`: on Node 20 it takes in its whole input at once, and inflating is
 * slower than the disk, so the file came to sit in memory after all (86 MB of 92).
 */
function readBack(path: string, gunzip: boolean): ReadableStream<Uint8Array> {
  const file = createReadStream(path);
  // `pipeline` ends both on an error and hands it to the last, where the iterator throws it.
  const source: Readable = gunzip ? pipe(file, createGunzip(), () => {}) : file;
  const chunks = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else
        controller.enqueue(
          new Uint8Array(next.value.buffer, next.value.byteOffset, next.value.length),
        );
    },
    async cancel() {
      source.destroy();
    },
  });
}
