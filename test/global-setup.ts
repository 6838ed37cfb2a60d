import { execSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import pg from 'pg';
import { PG_URL } from './helpers/test-db.js';

async function reachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

/**
 * The PostgreSQL suites need this machine's server: start it if it is down (never skip them).
 * The command is the one the machine's own services start with.
 */
export default async function setup(): Promise<void> {
  if (await reachable()) return;
  const version = readdirSync('/etc/postgresql')[0];
  execSync(`pg_ctlcluster --skip-systemctl-redirect ${version} main start`, { stdio: 'inherit' });
  for (let i = 0; i < 50; i++) {
    if (await reachable()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`PostgreSQL at ${PG_URL} is not reachable, and starting it did not help.`);
}
