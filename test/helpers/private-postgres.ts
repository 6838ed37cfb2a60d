import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/**
 * A PostgreSQL server of the test's own (initdb + pg_ctl from this machine's PostgreSQL), so a
 * test can restart or kill it without disturbing the shared server other tests use. As root,
 * it runs as the `postgres` user, since PostgreSQL refuses to run as root.
 */
export function privatePostgres(): {
  url: string;
  restart(mode: 'fast' | 'immediate'): void;
  stop(): void;
} {
  const bin = join('/usr/lib/postgresql', readdirSync('/usr/lib/postgresql')[0]!, 'bin');
  const dir = mkdtempSync(join(tmpdir(), 'authsync-pg-'));
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    const pg = execFileSync('id', ['-u', 'postgres']).toString().trim();
    chownSync(dir, Number(pg), Number(pg));
  }
  const run = (command: string) =>
    asRoot
      ? execFileSync('su', ['postgres', '-s', '/bin/sh', '-c', command], { stdio: 'ignore' })
      : execFileSync('/bin/sh', ['-c', command], { stdio: 'ignore' });
  const port = 20000 + Math.floor(Math.random() * 20000);
  const data = join(dir, 'data');
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  run(`${bin}/initdb -D ${data} -U postgres --auth=trust -E UTF8`);
  const ctl = (args: string) =>
    run(`${bin}/pg_ctl -D ${data} -o '${options}' -l ${dir}/log -w ${args}`);
  ctl('start');
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    restart: (mode) => ctl(`-m ${mode} restart`),
    stop: () => ctl('-m immediate stop'),
  };
}
