import { mkdtempSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { startAuth0Emulator } from '../../src/emulator/auth0/server.js';
import type { HttpGet } from '../../src/http/get-json.js';
import { memorySpool } from '../../src/http/spool.js';
import { auth0Api } from '../../src/providers/auth0/http.js';
import { Auth0StateImporter } from '../../src/providers/auth0/state-importer.js';
import { Auth0Tokens } from '../../src/providers/auth0/token.js';
import { USER_EXPORT_FIELDS } from '../../src/providers/auth0/user-export.js';
import { fileSpool } from '../../src/runtimes/node/file-spool.js';
import { undiciGet } from '../../src/runtimes/node/http-get.js';

/** The spools' own directory: other tests' files never show in it. */
const directory = mkdtempSync(join(tmpdir(), 'authsync-spools-'));
const spool = fileSpool(directory);
afterAll(() => rm(directory, { recursive: true, force: true }));
const spoolFiles = async () =>
  (await readdir(directory)).filter((name) => name.startsWith('authsync-download-'));

/** A tenant past the 1,000 users a list can page, its clock ours to move. */
async function bigTenant(exportJobMs: number) {
  let offsetMs = 0;
  const emu = await startAuth0Emulator({
    seed: 'user-export',
    changes: 50,
    exportJobMs,
    clock: () => Date.now() + offsetMs,
  });
  emu.emulator.tenant.importUsers(
    Array.from({ length: 1200 }, (_, i) => ({ email: `bulk${i}@example.com` })),
  );
  const infos: { message: string; fields?: Record<string, unknown> }[] = [];
  const importer = (get: HttpGet) =>
    new Auth0StateImporter(
      auth0Api({
        origin: emu.url,
        tokens: new Auth0Tokens({
          origin: emu.url,
          clientId: emu.clientId,
          clientSecret: emu.clientSecret,
        }),
        logger: {
          info: (message, fields) => void infos.push({ message, fields }),
          warn: (message, fields) => void infos.push({ message, fields }),
          error() {},
        },
        get,
        baseDelayMs: 1,
      }),
      { spool },
    );
  return { emu, infos, importer, later: (ms: number) => void (offsetMs += ms) };
}

async function usersOf(importer: Auth0StateImporter): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of importer.snapshot(undefined, '1'))
    for (const item of page.items) if (item.kind === 'user') ids.push(String(item.object.user_id));
  return ids;
}

describe('the user export job (a tenant past 1,000 users)', () => {
  it('a job whose answer was lost is asked for again; a slow one says how far it is; the file is held on disk and removed', async () => {
    const { emu, infos, importer } = await bigTenant(1500);
    const posts: string[] = [];
    // The first POST reaches Auth0 (a job is made) and its answer is lost.
    const losingFirstAnswer: HttpGet = async (url, init) => {
      if (init.body === undefined) return undiciGet(url, init);
      posts.push(init.body);
      const answer = await undiciGet(url, init);
      if (posts.length === 1) throw new Error('socket hang up');
      return answer;
    };
    const before = await spoolFiles();
    try {
      const ids = await usersOf(importer(losingFirstAnswer));
      expect(posts).toHaveLength(2);
      for (const post of posts)
        // Every documented field by name (without them Auth0 exports a predefined few).
        expect(JSON.parse(post)).toEqual({
          format: 'json',
          fields: USER_EXPORT_FIELDS.map((name) => ({ name })),
        });
      expect(USER_EXPORT_FIELDS).toEqual(expect.arrayContaining(['app_metadata', 'user_metadata']));
      expect(new Set(ids)).toEqual(new Set(emu.emulator.tenant.users.keys()));
      expect(ids).toHaveLength(emu.emulator.tenant.users.size);
      const progress = infos.filter((i) => i.message === 'Auth0 user export');
      expect(progress.length).toBeGreaterThan(0);
      for (const { fields } of progress) {
        expect(fields?.percentDone).toBeGreaterThan(0);
        expect(fields?.percentDone).toBeLessThan(100);
      }
      const downloaded = infos.find((i) => i.message === 'Auth0 user export downloaded');
      expect(downloaded?.fields?.bytes).toBeGreaterThan(1000);
      expect(await spoolFiles()).toEqual(before);
    } finally {
      await emu.close();
    }
  });

  it('a link that expired before its download began: the job is asked for a new one, three times at most; no file stays', async () => {
    const { emu, infos, importer, later } = await bigTenant(0);
    let expiries = 0;
    // The job's answer comes, then a minute passes before its file is asked for (`times` times).
    const slowToDownload =
      (times: number): HttpGet =>
      async (url, init) => {
        const answer = await undiciGet(url, init);
        if (url.pathname.startsWith('/api/v2/jobs/job_') && expiries++ < times) later(61_000);
        return answer;
      };
    const before = await spoolFiles();
    try {
      const ids = await usersOf(importer(slowToDownload(1)));
      expect(ids).toHaveLength(emu.emulator.tenant.users.size);
      const again = () =>
        infos.filter((i) => i.message.includes('downloading again with a new link'));
      expect(again()).toHaveLength(1);
      expect(again()[0]!.fields?.problem).toBe('the download answered 403');
      expiries = 0;
      await expect(usersOf(importer(slowToDownload(3)))).rejects.toThrow(
        /^The user export file of job job_\w+: the download answered 403$/,
      );
      expect(again()).toHaveLength(3);
      expect(await spoolFiles()).toEqual(before);
    } finally {
      await emu.close();
    }
  });

  it('a download link that is not http(s) is refused', async () => {
    const { emu, importer } = await bigTenant(0);
    // The job's answer names a `data:` URL (its users would be whatever it holds).
    const dataLink: HttpGet = async (url, init) => {
      const answer = await undiciGet(url, init);
      if (!url.pathname.startsWith('/api/v2/jobs/job_')) return answer;
      const job = JSON.parse(await answer.text()) as Record<string, unknown>;
      const text = JSON.stringify({ ...job, location: 'data:application/x-ndjson,{}' });
      return { ...answer, text: async () => text };
    };
    try {
      await expect(usersOf(importer(dataLink))).rejects.toThrow(
        /^The user export job job_\w+ gave a download link that is not an http\(s\) URL$/,
      );
    } finally {
      await emu.close();
    }
  });
});

describe('spools (where a download waits to be read)', () => {
  it('in memory, past its limit: an error saying so and what to do instead (a Worker: reconcile from Node)', async () => {
    let cancelled = false;
    const mb = new Uint8Array(1024 * 1024);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(mb);
        controller.enqueue(Uint8Array.of(1));
      },
      cancel: () => void (cancelled = true),
    });
    await expect(memorySpool(mb.length, ' of a Worker; reconcile from Node')(body)).rejects.toThrow(
      /^the download is larger than 1 MB, the most held in memory of a Worker; reconcile from Node$/,
    );
    expect(cancelled).toBe(true);
  });

  it('a directory that cannot hold a file: an error naming it and TMPDIR; the download is let go', async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      cancel: () => void (cancelled = true),
    });
    await expect(fileSpool(join(directory, 'missing'))(body)).rejects.toThrow(
      `cannot hold the download in ${join(directory, 'missing')} (ENOENT): set TMPDIR to a directory this user can write`,
    );
    expect(cancelled).toBe(true);
  });

  const chunked = (chunks: Uint8Array[], failAfter?: number) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        chunks.forEach((chunk, i) => {
          if (i === failAfter) controller.error(new Error('connection reset'));
          else if (failAfter === undefined || i < failAfter) controller.enqueue(chunk);
        });
        if (failAfter === undefined) controller.close();
      },
    });
  const bytesOf = async (stream: ReadableStream<Uint8Array>) => {
    const parts: Uint8Array[] = [];
    for await (const part of stream as unknown as AsyncIterable<Uint8Array>) parts.push(part);
    return Buffer.concat(parts);
  };

  for (const [name, hold] of [
    ['in memory', memorySpool()],
    ['in a file', spool],
  ] as const)
    it(`${name}: the bytes again, whole, their size and first bytes; a download that fails leaves nothing`, async () => {
      const chunks = [Uint8Array.of(0x1f), Uint8Array.of(0x8b, 8), new Uint8Array(100_000).fill(7)];
      const before = await spoolFiles();
      const held = await hold(chunked(chunks));
      expect(held.size).toBe(100_003);
      expect([...held.head]).toEqual([0x1f, 0x8b, 8, ...new Array(13).fill(7)]);
      expect((await bytesOf(held.stream(false))).equals(Buffer.concat(chunks))).toBe(true);
      // Unlinked while it is held (freed however the process ends), so not even now in the directory.
      expect(await spoolFiles()).toEqual(before);
      await held.release();
      expect(await spoolFiles()).toEqual(before);
      await expect(hold(chunked(chunks, 2))).rejects.toThrow('connection reset');
      expect(await spoolFiles()).toEqual(before);

      // Gzip, inflated as it is read; a damaged file fails its reader.
      const text = Buffer.from('{"user_id":"auth0|1"}\n'.repeat(50_000));
      const gz = gzipSync(text);
      const zipped = await hold(chunked([gz.subarray(0, 1000), gz.subarray(1000)]));
      expect((await bytesOf(zipped.stream(true))).equals(text)).toBe(true);
      await zipped.release();
      const damaged = await hold(chunked([gz.subarray(0, gz.length / 2), Buffer.alloc(100, 1)]));
      await expect(bytesOf(damaged.stream(true))).rejects.toThrow();
      await damaged.release();
      expect(await spoolFiles()).toEqual(before);
    });
});
