#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { redactUrls } from './engine/redact.js';
import { startEmulator, type StartEmulatorOptions } from './emulator/index.js';
import { integer } from './runtimes/node/cli-options.js';
import { registerSyncCommands } from './runtimes/node/commands.js';
import { limitHeapGrowth } from './runtimes/node/heap.js';
import { VERSION } from './version.js';

const fraction = (name: string) => (value: string) => {
  const n = Number(value);
  if (value.trim() === '' || !(n >= 0 && n <= 1))
    throw new InvalidArgumentError(`${name} must be a number from 0 to 1.`);
  return n;
};

const positive = (name: string) => (value: string) => {
  const n = Number(value);
  if (value.trim() === '' || !(n > 0))
    throw new InvalidArgumentError(`${name} must be a number above 0.`);
  return n;
};

interface EmulatorFlags {
  port: number;
  host: string;
  apiKey?: string;
  seed: string;
  events: number;
  days: number;
  rate?: number;
  settleMs: number;
  settleJitterMs?: number;
  webhookUrl?: string;
  webhookSecret?: string;
  webhookOutOfOrder?: boolean;
  webhookDuplicateRate?: number;
  webhookRetryBaseMs?: number;
  latencyMs?: number;
  errorRate?: number;
  resetRate?: number;
  truncateRate?: number;
  slowBodyMs?: number;
  rateLimit?: boolean;
  provider: 'workos' | 'auth0';
  clientId?: string;
  clientSecret?: string;
  rateLimits?: 'free' | 'self-service' | 'enterprise';
  searchLagMs?: number;
}

function emulatorOptions(flags: EmulatorFlags): StartEmulatorOptions {
  if (flags.webhookUrl && !flags.webhookSecret) {
    throw new InvalidArgumentError(
      '--webhook-url needs --webhook-secret (the secret deliveries are signed with).',
    );
  }
  const webhooks = flags.webhookUrl
    ? {
        url: flags.webhookUrl,
        secret: flags.webhookSecret ?? null,
        outOfOrder: flags.webhookOutOfOrder ?? false,
        duplicateRate: flags.webhookDuplicateRate ?? 0,
        ...(flags.webhookRetryBaseMs ? { retryBaseMs: flags.webhookRetryBaseMs } : {}),
      }
    : undefined;
  return {
    port: flags.port,
    hostname: flags.host,
    apiKey: flags.apiKey,
    seed: flags.seed,
    events: flags.events,
    days: flags.days,
    rate: flags.rate,
    settleMs: flags.settleMs,
    settleJitterMs: flags.settleJitterMs,
    webhooks,
    faults: {
      latencyMs: flags.latencyMs ?? 0,
      errorRate: flags.errorRate ?? 0,
      resetRate: flags.resetRate ?? 0,
      truncateRate: flags.truncateRate ?? 0,
      slowBodyMs: flags.slowBodyMs ?? 0,
      rateLimit: flags.rateLimit ? { requests: 6000, windowMs: 60_000 } : null,
    },
  };
}

function progress(label: string) {
  const tty = process.stderr.isTTY;
  const started = Date.now();
  return (done: number, total: number) => {
    if (!tty) return;
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? Math.round(done / seconds) : 0;
    process.stderr.write(
      `\r${label}: ${done.toLocaleString()} / ${total.toLocaleString()} events (${rate.toLocaleString()}/s)   `,
    );
  };
}

export function buildProgram(): Command {
  const program = new Command()
    .name('authsync')
    .description(
      "Keeps your application's database in step with its identity provider (WorkOS, Auth0).",
    )
    .version(VERSION)
    // Bad usage (an unknown command or option, a value out of bounds) exits 2, as commander's
    // own `--help` convention and most CLIs do; failures at run time exit 1.
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));

  registerSyncCommands(program);

  program
    .command('emulator')
    .description(
      'Serve a local emulation of the WorkOS API (events, lists, writes, webhooks, faults), or with --provider auth0 of an Auth0 tenant (token, Management API, logs, rate limits, faults). For Auth0, --events is the changes of history and --settle-ms/--settle-jitter-ms the logs’ indexing delay.',
    )
    .addOption(
      new Option('--port <n>', 'port to listen on; 0 picks a free one')
        .default(0)
        .argParser(integer('--port', 0, 65535)),
    )
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--api-key <key>', 'the API key clients must send (default: a random sk_test_...)')
    .option('--seed <seed>', 'seed of the generated history', '1')
    .addOption(
      new Option('--events <n>', 'events of history to generate before serving')
        .default(0)
        .argParser(integer('--events', 0, 5_000_000)),
    )
    .addOption(
      new Option('--days <d>', 'spread the history over this many past days')
        .default(30)
        .argParser(positive('--days')),
    )
    .addOption(
      new Option('--rate <r>', 'keep producing R new events per second').argParser(
        positive('--rate'),
      ),
    )
    .addOption(
      new Option(
        '--settle-ms <ms>',
        'hide each event from GET /events for this long after it is created',
      )
        .default(0)
        .argParser(integer('--settle-ms', 0)),
    )
    .addOption(
      new Option(
        '--settle-jitter-ms <ms>',
        'plus up to this much more per event, so events can appear out of order',
      ).argParser(integer('--settle-jitter-ms', 0)),
    )
    .option('--webhook-url <url>', 'POST every new event here, signed like WorkOS')
    .option('--webhook-secret <secret>', 'secret for the WorkOS-Signature header')
    .option('--webhook-out-of-order', 'deliver webhooks out of stream order')
    .addOption(
      new Option('--webhook-duplicate-rate <p>', 'fraction of webhooks delivered twice').argParser(
        fraction('--webhook-duplicate-rate'),
      ),
    )
    .addOption(
      new Option('--webhook-retry-base-ms <ms>', 'first retry delay, doubling after').argParser(
        integer('--webhook-retry-base-ms', 1),
      ),
    )
    .addOption(
      new Option('--latency-ms <ms>', 'added latency per API request').argParser(
        integer('--latency-ms', 0, 60_000),
      ),
    )
    .addOption(
      new Option('--error-rate <p>', 'fraction of API requests answered 5xx').argParser(
        fraction('--error-rate'),
      ),
    )
    .addOption(
      new Option(
        '--reset-rate <p>',
        'fraction of API requests whose connection is reset',
      ).argParser(fraction('--reset-rate')),
    )
    .addOption(
      new Option('--truncate-rate <p>', 'fraction of API answers cut off mid-body').argParser(
        fraction('--truncate-rate'),
      ),
    )
    .addOption(
      new Option('--slow-body-ms <ms>', 'trickle each answer body over this many ms').argParser(
        integer('--slow-body-ms', 0, 60_000),
      ),
    )
    .option(
      '--rate-limit',
      "enforce WorkOS's limit of 6,000 requests per minute (429 + Retry-After)",
    )
    .addOption(
      new Option('--provider <name>', 'the identity provider to emulate')
        .choices(['workos', 'auth0'])
        .default('workos'),
    )
    .option(
      '--client-id <id>',
      'Auth0: the client id of the emulated application (default: random)',
    )
    .option('--client-secret <secret>', 'Auth0: its client secret (default: random)')
    .addOption(
      new Option('--rate-limits <plan>', "Auth0: the plan's Management API limits").choices([
        'free',
        'self-service',
        'enterprise',
      ]),
    )
    .addOption(
      new Option(
        '--search-lag-ms <ms>',
        'Auth0: the users and members lists show the tenant as it was up to this long ago',
      ).argParser(integer('--search-lag-ms', 0)),
    )
    .action(async (flags: EmulatorFlags) => {
      if (flags.provider === 'auth0') {
        const { startAuth0Emulator } = await import('./emulator/auth0/server.js');
        const options = emulatorOptions(flags);
        const tenant = await startAuth0Emulator({
          port: flags.port,
          hostname: flags.host,
          seed: flags.seed,
          changes: flags.events,
          clientId: flags.clientId,
          clientSecret: flags.clientSecret,
          indexingDelayMs: flags.settleMs,
          indexingJitterMs: flags.settleJitterMs,
          rateLimits: flags.rateLimits ?? null,
          searchLagMs: flags.searchLagMs,
          faults: { ...options.faults, rateLimit: null },
        });
        // The one line on stdout: AUTH0_DOMAIN, AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET.
        process.stdout.write(
          `${JSON.stringify({ url: tenant.url, domain: tenant.url, clientId: tenant.clientId, clientSecret: tenant.clientSecret })}\n`,
        );
        const stop = () => void tenant.close().then(() => process.exit(0));
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        return;
      }
      const options = emulatorOptions(flags);
      const running = await startEmulator({
        ...options,
        onProgress: progress('generating history'),
      });
      if (process.stderr.isTTY && flags.events > 0) process.stderr.write('\n');
      // The one line on stdout, for scripts and tests to read.
      process.stdout.write(`${JSON.stringify({ url: running.url, apiKey: running.apiKey })}\n`);
      const stop = () => void running.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });

  program
    .command('demo')
    .description(
      'No account needed: the emulator with a generated history, synced into a SQLite file, then its status.',
    )
    .addOption(
      new Option('--events <n>', 'events of history to generate')
        .default(10_000)
        .argParser(integer('--events', 1, 5_000_000)),
    )
    .addOption(
      new Option('--live <n>', 'changes the emulator makes after the first sync')
        .default(2_000)
        .argParser(integer('--live', 0, 1_000_000)),
    )
    .option('--seed <seed>', 'seed of the generated history', '1')
    .option('--database-url <path>', 'the SQLite file to write (replaced)', './authsync-demo.db')
    .addOption(
      new Option('--provider <name>', 'the identity provider to emulate')
        .choices(['workos', 'auth0'])
        .default('workos'),
    )
    .action(
      async (flags: {
        events: number;
        live: number;
        seed: string;
        databaseUrl: string;
        provider: 'workos' | 'auth0';
      }) => {
        const { runDemo } = await import('./demo.js');
        await runDemo(flags);
      },
    );

  return program;
}

// This process is ours: keep its heap near what it holds (see limitHeapGrowth).
limitHeapGrowth();
// `authsync status | head`: the reader went away, which is no error of ours.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
buildProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`authsync: ${redactUrls(message)}\n`);
    // Flags that do not go together, found once the command runs: bad usage all the same.
    process.exit(error instanceof InvalidArgumentError ? 2 : 1);
  });
