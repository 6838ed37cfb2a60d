import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline as pipe, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Spool } from '../../http/spool.js';

/**
 * A download held in a file of its own (readable by this user only) under `directory`, so a
 * large tenant's user export (hundreds of megabytes) does not sit in memory while its users are
 * applied. The file is unlinked as soon as it is open: the system frees it when it is closed,
 * at release or however the process ends (a process killed mid-import, again and again, would
 * otherwise fill the disk). Where an open file cannot be unlinked (Windows), it is removed at
 * release.
 */
export const fileSpool =
  (directory: string = tmpdir()): Spool =>
  async (body, signal) => {
    let dir: string;
    let file: FileHandle | undefined;
    try {
      dir = await mkdtemp(join(directory, 'authsync-download-'));
    } catch (error) {
      await body.cancel().catch(() => {});
      throw unwritable(directory, error);
    }
    const removed = () => rm(dir, { recursive: true, force: true });
    try {
      file = await open(join(dir, 'body'), 'w+', 0o600);
      const unlinked = await removed().then(
        () => true,
        () => false,
      );
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        signal?.throwIfAborted();
        // A write may take less than it is given.
        for (let at = 0; at < chunk.length;) at += (await file.write(chunk, at)).bytesWritten;
      }
      const { size } = await file.stat();
      const head = new Uint8Array(16);
      const { bytesRead } = await file.read(head, 0, head.length, 0);
      const held = file;
      return {
        size,
        head: head.subarray(0, bytesRead),
        stream: (gunzip) => readBack(held, gunzip),
        release: async () => {
          await held.close();
          if (!unlinked) await removed();
        },
      };
    } catch (error) {
      await file?.close();
      await removed();
      throw error;
    }
  };

/** Where a download cannot be held, and what to set. */
function unwritable(directory: string, error: unknown): Error {
  const code = (error as { code?: string }).code ?? (error as Error).message;
  return new Error(
    `cannot hold the download in ${directory} (${code}): set TMPDIR to a directory this user can write`,
    { cause: error },
  );
}

/**
 * `doctor`'s check that a download could be held (Auth0 sources: the user export of a tenant
 * past 1,000 users): a file made, written and removed in `directory`.
 */
export async function spoolCheck(
  directory: string = tmpdir(),
): Promise<{ ok: boolean; detail: string }> {
  try {
    const dir = await mkdtemp(join(directory, 'authsync-doctor-'));
    try {
      const file = await open(join(dir, 'body'), 'w', 0o600);
      await file.write(Buffer.from('authsync')).finally(() => file.close());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    return { ok: true, detail: `${directory} is writable (the user export waits there)` };
  } catch (error) {
    return { ok: false, detail: unwritable(directory, error).message };
  }
}

/**
 * A file's bytes (inflated from gzip when `gunzip`) as a web stream that reads only when its
 * reader asks: an async iterator over Node streams, which wait for their reader. Not
 * `DecompressionStream`: on Node 20 it takes in its whole input at once, and inflating is
 * slower than the disk, so the file came to sit in memory after all (86 MB of 92).
 */
function readBack(held: FileHandle, gunzip: boolean): ReadableStream<Uint8Array> {
  const file = Readable.from(chunksOf(held));
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

/** Bytes read back at a time. */
const CHUNK_BYTES = 64 * 1024;

/** The file's bytes from the start, read at positions of their own (another read may follow). */
async function* chunksOf(held: FileHandle): AsyncGenerator<Buffer> {
  for (let position = 0; ;) {
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    const { bytesRead } = await held.read(chunk, 0, CHUNK_BYTES, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    yield chunk.subarray(0, bytesRead);
  }
}
