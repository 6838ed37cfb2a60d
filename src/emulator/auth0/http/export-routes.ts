import type { Context, Hono } from 'hono';
import type { Auth0Emulator } from '../emulator.js';
import { Auth0Error } from '../errors.js';

/**
 * What a job without `fields` exports: Auth0 says "a predefined set of fields" and not which;
 * metadata comes only when it is named, so it is left out here, as is all but the basics.
 */
const DEFAULT_FIELDS = ['user_id', 'email', 'name', 'created_at', 'updated_at'];

interface ExportJob {
  id: string;
  createdAt: string;
  createdAtMs: number;
  /**
   * NDJSON of the users as they were when the job was made: a line each, ending in a newline
   * (one string of them all would pass the longest a string can be, for 600,000 users).
   */
  lines: string[];
  fields?: { name: string; export_as?: string }[];
}

/**
 * The user export job, for more users than the 1,000 a list can page through: `POST
 * /api/v2/jobs/users-exports`, `GET /api/v2/jobs/{id}` until `completed`, then the NDJSON file
 * at `location` (gzip).
 */
export function mountExports(
  app: Hono,
  emulator: Auth0Emulator,
  scoped: (c: Context, anyOf: string[]) => void,
): void {
  const jobs = new Map<string, ExportJob>();
  let counter = 0;
  const common = (job: ExportJob) => ({
    type: 'users_export',
    connection_id: null,
    format: 'json',
    created_at: job.createdAt,
    id: job.id,
    ...(job.fields ? { fields: job.fields } : {}),
  });
  const view = (c: Context, job: ExportJob) => {
    const leftMs = job.createdAtMs + emulator.exportJobMs - emulator.clock();
    if (leftMs > 0)
      return {
        ...common(job),
        status: leftMs > emulator.exportJobMs / 2 ? 'pending' : 'processing',
        percentage_done: Math.floor(100 * (1 - leftMs / emulator.exportJobMs)),
        time_left_seconds: Math.ceil(leftMs / 1000),
      };
    return {
      ...common(job),
      status: 'completed',
      // A signed link, valid for 60 s as Auth0's are.
      location: `${new URL(c.req.url).origin}/_emulator/exports/${job.id}.json.gz?expires=${emulator.clock() + 60_000}`,
      percentage_done: 100,
      time_left_seconds: 0,
    };
  };

  app.post('/api/v2/jobs/users-exports', async (c) => {
    scoped(c, ['read:users']);
    const input = (await c.req.json().catch(() => ({}))) as {
      format?: string;
      fields?: ExportJob['fields'];
    };
    if (input.format && input.format !== 'json' && input.format !== 'csv')
      throw Auth0Error.badRequest('Payload validation error: format must be json or csv.');
    if (input.format === 'csv') throw Auth0Error.badRequest('This emulator exports json only.');
    const users = [...emulator.search.users.values()];
    const fields: NonNullable<ExportJob['fields']> =
      input.fields ?? DEFAULT_FIELDS.map((name) => ({ name }));
    // A field the user does not have is left out.
    const project = (u: Record<string, unknown>) =>
      Object.fromEntries(
        fields
          .filter((f) => u[f.name] !== undefined)
          .map((f) => [f.export_as ?? f.name, u[f.name]]),
      );
    const job: ExportJob = {
      id: `job_${(++counter).toString(36).padStart(16, '0')}`,
      createdAt: new Date(emulator.clock()).toISOString(),
      createdAtMs: emulator.clock(),
      lines: users.map((u) => `${JSON.stringify(project(u))}\n`),
      fields: input.fields,
    };
    jobs.set(job.id, job);
    return c.json({ ...common(job), status: 'pending' }, 201);
  });

  app.get('/api/v2/jobs/:id', (c) => {
    scoped(c, ['create:users', 'read:users']);
    const job = jobs.get(c.req.param('id'));
    if (!job) throw Auth0Error.notFound('The job does not exist.');
    return c.json(view(c, job));
  });

  // Auth0's export files are gzip files (`<tenant>.json.gz`), not gzip-encoded responses.
  app.get('/_emulator/exports/:file', async (c) => {
    const job = jobs.get(c.req.param('file').replace(/\.json\.gz$/, ''));
    if (!job) return c.text('Not Found', 404);
    if (!(Number(c.req.query('expires')) >= emulator.clock()))
      return c.text('Request has expired', 403);
    const gzipped = await new Response(
      new Blob(inParts(job.lines)).stream().pipeThrough(new CompressionStream('gzip')),
    ).arrayBuffer();
    return c.body(gzipped, 200, { 'content-type': 'application/gzip' });
  });
}

/** Lines joined a thousand at a time: a Blob streams a part at a time, and gzip by the line is slow. */
function inParts(lines: string[]): string[] {
  const parts: string[] = [];
  for (let i = 0; i < lines.length; i += 1000) parts.push(lines.slice(i, i + 1000).join(''));
  return parts;
}
