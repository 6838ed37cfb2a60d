import { sleep } from '../../engine/sleep.js';
import { withDeadline } from '../../http/deadline.js';
import { getJson, postJson, type JsonApiOptions } from '../../http/get-json.js';
import { ndjsonBatches } from '../../http/ndjson.js';
import { memorySpool, type Spool, type Spooled } from '../../http/spool.js';

type Obj = Record<string, unknown>;

/**
 * The user fields an export is asked for by name: the user object's documented fields. Without
 * `fields` a job exports "a predefined set of fields", and metadata only when it is named.
 */
export const USER_EXPORT_FIELDS = [
  'user_id',
  'email',
  'email_verified',
  'username',
  'phone_number',
  'phone_verified',
  'created_at',
  'updated_at',
  'identities',
  'app_metadata',
  'user_metadata',
  'picture',
  'name',
  'nickname',
  'multifactor',
  'multifactor_last_modified',
  'last_ip',
  'last_login',
  'last_password_reset',
  'logins_count',
  'blocked',
  'given_name',
  'family_name',
];

/** How long the user export file may take to download. */
const DOWNLOAD_MS = 10 * 60_000;

/** Downloads of one job: a link is valid for a minute, and the job gives a new one for a day. */
const DOWNLOAD_TRIES = 3;

/** The longest wait between two looks at an export job. */
const MAX_POLL_MS = 8000;

/** A user in the export file longer than this is refused (Auth0 caps metadata far below it). */
const MAX_USER_CHARS = 10_000_000;

export interface UserExportOptions {
  fetch?: typeof fetch;
  /** Where the file waits while its users are read (default: in memory). */
  spool?: Spool;
}

/**
 * Every user through an export job, a batch at a time: make the job, wait for it (its progress
 * logged), download its gzip NDJSON file whole into the spool as soon as there is a link (a
 * download held back while pages are applied could be cut off), then parse it as it is read.
 */
export async function* exportedUsers(
  http: JsonApiOptions,
  options: UserExportOptions,
  signal?: AbortSignal,
): AsyncIterable<Obj[]> {
  // Retried like a read: a job made twice (its answer lost) only costs Auth0 an export.
  const job = (await postJson(
    http,
    '/api/v2/jobs/users-exports',
    { format: 'json', fields: USER_EXPORT_FIELDS.map((name) => ({ name })) },
    signal,
  )) as Obj;
  if (typeof job.id !== 'string' || !/^job_[\w-]{1,64}$/.test(job.id))
    throw new Error('POST /api/v2/jobs/users-exports answered without a job id');
  const jobId = job.id;
  http.logger.info('Auth0 is exporting the users (more than a list can page through)', {
    job: jobId,
  });
  let spooled: Spooled | undefined;
  for (let attempt = 1; !spooled; attempt++) {
    const location = await finishedJob(http, jobId, signal);
    try {
      spooled = await download(location, options, signal);
    } catch (error) {
      const problem = (error as Error).message;
      if (attempt >= DOWNLOAD_TRIES || signal?.aborted)
        throw new Error(`The user export file of job ${jobId}: ${problem}`, { cause: error });
      http.logger.warn('Auth0 user export: downloading again with a new link', {
        job: jobId,
        problem,
      });
    }
  }
  http.logger.info('Auth0 user export downloaded', { job: jobId, bytes: spooled.size });
  try {
    const gzip = spooled.head[0] === 0x1f && spooled.head[1] === 0x8b;
    // Inflated by the spool: a file on disk is inflated as it is read.
    yield* ndjsonBatches(spooled.stream(gzip), {
      batch: 100,
      maxLineChars: MAX_USER_CHARS,
    }) as AsyncIterable<Obj[]>;
  } catch (error) {
    throw new Error(`The user export file of job ${jobId}: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    await spooled.release();
  }
}

/** The job's download link once it is done (asked again soon at first, then less often). */
async function finishedJob(
  http: JsonApiOptions,
  jobId: string,
  signal?: AbortSignal,
): Promise<string> {
  let saidPercent = 0;
  for (let pollMs = 500; ; pollMs = Math.min(MAX_POLL_MS, pollMs * 2)) {
    const state = (await getJson(http, `/api/v2/jobs/${jobId}`, {}, signal)) as Obj;
    if (state.status === 'completed' && typeof state.location === 'string') {
      // Fetched without credentials, but only over HTTP(S): not a `data:` or `blob:` URL.
      if (!/^https?:\/\//i.test(state.location) || !URL.canParse(state.location))
        throw new Error(
          `The user export job ${jobId} gave a download link that is not an http(s) URL`,
        );
      return state.location;
    }
    if (state.status === 'failed')
      throw new Error(
        `The user export job ${jobId} failed${typeof state.summary === 'object' ? `: ${JSON.stringify(state.summary).slice(0, 300)}` : ''}`,
      );
    // Long exports (minutes for a large tenant) say how far they are, every tenth.
    const percent = Number(state.percentage_done);
    if (Number.isFinite(percent) && percent >= saidPercent + 10) {
      saidPercent = percent - (percent % 10);
      http.logger.info('Auth0 user export', {
        job: jobId,
        percentDone: percent,
        secondsLeft: state.time_left_seconds,
      });
    }
    await sleep(pollMs, signal);
  }
}

/** The file at a signed link (no credentials go with it), whole, into the spool. */
async function download(
  location: string,
  options: UserExportOptions,
  signal?: AbortSignal,
): Promise<Spooled> {
  const deadline = withDeadline(signal, DOWNLOAD_MS);
  const file = await (options.fetch ?? fetch)(location, { signal: deadline });
  if (!file.ok || !file.body) {
    await file.body?.cancel().catch(() => {});
    throw new Error(`the download answered ${file.status}`);
  }
  return (options.spool ?? memorySpool())(file.body, deadline);
}
