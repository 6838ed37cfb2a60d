import type { Command } from 'commander';
import type { Check } from '../../doctor.js';
import { redactUrls } from '../../engine/redact.js';
import { origin } from './cli-options.js';
import { spoolCheck } from './file-spool.js';
import { closeAll, connectionOptions, openSources, type ConnectionFlags } from './open-sources.js';

const MARK: Record<Check['status'], string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' };

/**
 * `authsync doctor`: the setup checklist, one line per check with its fix; exits 1 when any
 * check fails. Reads only: no database is created, no migration runs, nothing is delivered (the
 * test delivery to `--serve-url` is answered without being stored).
 */
export function registerDoctorCommand(program: Command): void {
  connectionOptions(
    program
      .command('doctor')
      .description(
        'Check the setup: database, API key and events, state lists, clock, retention, webhooks, destinations. Reads only; exits 1 when a check fails.',
      )
      .option('--json', 'machine-readable output')
      .option(
        '--serve-url <url>',
        "a running `authsync serve` (its public URL): each source's webhook route gets a signed test delivery, which it verifies and does not store",
        origin('--serve-url'),
      ),
  ).action(async (flags: ConnectionFlags & { json?: boolean; serveUrl?: string }) => {
    const { runDoctor } = await import('../../doctor.js');
    let checks: Check[];
    let several = false;
    try {
      const syncs = await openSources(flags, { readOnly: true });
      several = syncs.length > 1;
      try {
        checks = await runDoctor(syncs, { serveUrl: flags.serveUrl });
        // Auth0 holds a large tenant's user export in a temporary file.
        if (syncs.some((sync) => sync.provider.name === 'auth0')) {
          const spool = await spoolCheck();
          checks.push({
            source: null,
            check: 'temporary directory',
            status: spool.ok ? 'ok' : 'fail',
            detail: spool.detail,
            ...(spool.ok ? {} : { fix: 'set TMPDIR to a directory this user can write' }),
          });
        }
      } finally {
        await closeAll(syncs);
      }
    } catch (error) {
      // Settings or a database that cannot be opened at all: the first check, failed.
      const detail = redactUrls((error as Error).message);
      checks = [{ source: null, check: 'setup', status: 'fail', detail }];
    }
    if (flags.json) process.stdout.write(`${JSON.stringify(checks, null, 2)}\n`);
    else
      for (const c of checks) {
        const where = c.source && several ? `${c.source}: ` : '';
        process.stdout.write(`${MARK[c.status]}  ${where}${c.check}: ${c.detail}\n`);
        if (c.fix && c.status !== 'ok') process.stdout.write(`      fix: ${c.fix}\n`);
      }
    if (checks.some((c) => c.status === 'fail')) process.exitCode = 1;
  });
}
