import type { Logger } from '../engine/ports.js';
import { sleep as defaultSleep } from '../engine/sleep.js';
import { withDeadline } from './deadline.js';
import type { RateLimiter } from './rate-limiter.js';

/** The credentials were refused: nothing will work until the configuration changes. */
export class CredentialsRefusedError extends Error {}

/** The API rejected the request itself (400/404/422): retrying the same request cannot help. */
export class RequestRefusedError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** How a provider's API is reached, and how its messages name the settings to fix. */
export interface JsonApiOptions {
  /** The API's base URL. */
  baseUrl: string;
  /** Sent with every request (the credentials among them). */
  headers: Record<string, string>;
  logger: Logger;
  /** Names used in errors and logs: the provider, and the settings a user would fix. */
  names: { provider: string; credentials: string; url: string };
  /** Attempts per request before giving up on 429/5xx/network errors (default 10). */
  maxAttempts?: number;
  /** First backoff delay; doubles per failure backed off, with full jitter, up to `maxDelayMs`. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  timeoutMs?: number;
  /** The HTTP client (default: `fetch`; Node passes undici's `request`, see `runtimes/node`). */
  get?: HttpGet;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  onRetry?: (reason: string, delayMs: number) => void;
  /** Shared request budget (see RateLimiter). */
  limiter?: RateLimiter;
  /**
   * Credentials that expire (an OAuth token): their `Authorization` value is asked for per
   * request; after a 401, `refused` drops it and the request is tried once more with a new one.
   */
  auth?: { authorization(signal?: AbortSignal): Promise<string>; refused(): void };
}

/**
 * What `getJson` asks of an HTTP client: a GET (a POST when there is a body: JSON, with its
 * content-type among the headers), its status, one header, the body as text.
 */
export type HttpGet = (
  url: URL,
  init: { headers: Record<string, string>; signal: AbortSignal; body?: string },
) => Promise<{ status: number; header(name: string): string | null; text(): Promise<string> }>;

/**
 * The most an answer may hold, as sent and once inflated: a page of events or objects is a few
 * hundred kilobytes, and a server (a proxy, a wrong URL) sending gigabytes, or a small gzip body
 * that inflates to them, must not take the process's (or the isolate's) memory with it.
 */
export const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

export function answerTooLarge(url: URL): Error {
  return new Error(
    `the answer to GET ${url.pathname} is larger than ${MAX_ANSWER_BYTES / 1024 / 1024} MB`,
  );
}

/** A body's bytes, or an error once they pass `MAX_ANSWER_BYTES` (the rest is not read). */
export async function readCapped(body: AsyncIterable<Uint8Array>, url: URL): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_ANSWER_BYTES) throw answerTooLarge(url);
    chunks.push(chunk);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}

/** A web stream's chunks; left early (too large), the stream is cancelled. */
async function* chunksOf(stream: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (let read = await reader.read(); !read.done; read = await reader.read()) yield read.value;
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/**
 * `fetch` as an `HttpGet`: every runtime has it (it also asks for and inflates gzip). The body
 * is read as `fetch` inflates it, so the limit counts the inflated bytes.
 */
export const fetchGet: HttpGet = async (url, init) => {
  const response = await fetch(url, { ...init, method: init.body === undefined ? 'GET' : 'POST' });
  return {
    status: response.status,
    header: (name) => response.headers.get(name),
    text: async () => {
      if (!response.body) return '';
      if (Number(response.headers.get('content-length') ?? 0) > MAX_ANSWER_BYTES) {
        await response.body.cancel().catch(() => {});
        throw answerTooLarge(url);
      }
      return new TextDecoder().decode(await readCapped(chunksOf(response.body), url));
    },
  };
};

/** `Retry-After` in seconds or as an HTTP date, in ms from now; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (!header) return undefined;
  if (/^\d+(\.\d+)?$/.test(header.trim())) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/**
 * 429s with a time to come back that one request waits out before they count as failures:
 * readers side by side share a bucket, and each can meet it empty several times in a row.
 */
const MAX_PACED = 50;

/** `x-ratelimit-reset` (unix seconds when the bucket refills), in ms from now. */
function rateLimitResetMs(header: string | null, nowMs: number): number | undefined {
  if (!header || !/^\d+$/.test(header.trim())) return undefined;
  return Math.min(60_000, Math.max(0, Number(header) * 1000 - nowMs));
}

/**
 * GET an API endpoint and parse its JSON, retrying what can be retried: 429 (as Retry-After
 * says), 5xx, resets, timeouts and truncated or unparseable bodies (exponential backoff with
 * full jitter). 401/403 and other 4xx are thrown at once with a message saying what to fix.
 */
export async function getJson(
  options: JsonApiOptions,
  path: string,
  query: Record<string, string | undefined>,
  signal?: AbortSignal,
): Promise<unknown> {
  return (await getJsonResponse(options, path, query, signal)).body;
}

/** As `getJson`, with the answer's headers (a `Link`, for example). */
export function getJsonResponse(
  options: JsonApiOptions,
  path: string,
  query: Record<string, string | undefined>,
  signal?: AbortSignal,
): Promise<{ body: unknown; header(name: string): string | null }> {
  return requestJson(options, path, query, undefined, signal);
}

/**
 * POST a JSON body and parse the JSON answer, retried as a GET is: only for requests whose
 * repeat does no harm (one that reached the server before its answer was lost is made twice).
 */
export async function postJson(
  options: JsonApiOptions,
  path: string,
  body: unknown,
  signal?: AbortSignal,
): Promise<unknown> {
  return (await requestJson(options, path, {}, JSON.stringify(body), signal)).body;
}

async function requestJson(
  options: JsonApiOptions,
  path: string,
  query: Record<string, string | undefined>,
  body: string | undefined,
  signal?: AbortSignal,
): Promise<{ body: unknown; header(name: string): string | null }> {
  const { names } = options;
  const method = body === undefined ? 'GET' : 'POST';
  const sent =
    body === undefined
      ? options.headers
      : { ...options.headers, 'content-type': 'application/json' };
  const url = new URL(path, options.baseUrl);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
  const maxAttempts = options.maxAttempts ?? 10;
  const base = options.baseDelayMs ?? 250;
  const max = options.maxDelayMs ?? 30_000;
  const get = options.get ?? fetchGet;
  const sleep = options.sleep ?? defaultSleep;
  /**
   * Tokens refused in a row during this request: a new one each time, three at most. Any other
   * answer starts the count again: a request that waits out 429s for long can see several
   * tokens expire (each refusal still uses up an attempt).
   */
  let refusals = 0;
  /** 429s that said when to come back: waited out, not failures (up to `MAX_PACED`). */
  let paced = 0;
  /**
   * Failures waited out by backoff (5xx, resets, bad bodies): the backoff doubles with these
   * only. A refused token is retried at once; were it to count, a request that saw tokens
   * expire while it waited out 429s would meet its next 502 with a wait of many seconds.
   */
  let backoffs = 0;
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    await options.limiter?.take(signal);
    let lastProblem: string;
    let waitMs: number | undefined;
    try {
      const headers = options.auth
        ? { ...sent, authorization: await options.auth.authorization(signal) }
        : sent;
      const response = await get(url, {
        headers,
        signal: withDeadline(signal, options.timeoutMs ?? 30_000),
        ...(body === undefined ? {} : { body }),
      });
      const text = await response.text();
      if (response.status !== 401) refusals = 0;
      if (response.status >= 200 && response.status < 300) {
        try {
          return { body: JSON.parse(text), header: (name) => response.header(name) };
        } catch {
          lastProblem = `unparseable JSON from ${url.pathname} (${text.length} bytes)`;
        }
      } else if (response.status === 401 && options.auth && refusals < 3) {
        // An expired or revoked token: try again with a new one.
        refusals++;
        options.auth.refused();
        lastProblem = 'token refused (401)';
        waitMs = 0;
      } else if (response.status === 401 || response.status === 403) {
        const said = messageOf(text);
        throw new CredentialsRefusedError(
          `${names.credentials} was rejected by ${options.baseUrl} (${response.status}).${said ? ` It said: ${said}.` : ''} Check the key and that it belongs to this environment.`,
        );
      } else if (response.status === 429) {
        lastProblem = 'rate limited (429)';
        waitMs =
          retryAfterMs(response.header('retry-after'), Date.now()) ??
          rateLimitResetMs(response.header('x-ratelimit-reset'), Date.now());
        // Every reader waits, not only this one.
        if (waitMs !== undefined) {
          options.limiter?.pauseUntil(Date.now() + waitMs);
          // Readers released together would meet the same empty bucket: spread them out.
          waitMs *= 1 + Math.random() / 5;
          if (paced++ < MAX_PACED) attempt--;
        }
      } else if (response.status >= 500 || response.status === 408) {
        lastProblem = `${response.status} from ${url.pathname}`;
      } else {
        const message = messageOf(text) ?? text.slice(0, 500);
        throw new RequestRefusedError(
          `${names.provider} answered ${response.status} to ${method} ${url.pathname}${url.search}: ${message}`,
          response.status,
        );
      }
    } catch (error) {
      if (error instanceof CredentialsRefusedError || error instanceof RequestRefusedError)
        throw error;
      if (signal?.aborted) throw signal.reason;
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      lastProblem = `${(error as Error).message}${cause ? ` (${cause})` : ''}`;
    }
    if (attempt >= maxAttempts) {
      throw new Error(
        `${method} ${url.pathname} failed ${attempt} times; last: ${lastProblem}. Is ${names.url} (${options.baseUrl}) reachable?`,
      );
    }
    const delay = waitMs ?? Math.random() * Math.min(max, base * 2 ** backoffs++);
    options.logger.warn(`${names.provider} request failed; retrying`, {
      path: url.pathname,
      attempt,
      problem: lastProblem,
      delayMs: Math.round(delay),
    });
    options.onRetry?.(lastProblem, delay);
    await sleep(delay, signal);
  }
}

/** The `message` of a JSON error body (first 300 characters), if it has one. */
function messageOf(text: string): string | undefined {
  try {
    const message = (JSON.parse(text) as { message?: unknown }).message;
    return typeof message === 'string' ? message.slice(0, 300) : undefined;
  } catch {
    return undefined;
  }
}
