import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import type { StatusReport } from '../../src/status-report.js';
import { FORWARD_SECRET } from '../helpers/app-endpoint.js';
import { startReceiver } from '../helpers/receiver.js';
import { serveFor, waitFor } from '../helpers/serve-env.js';
import { cliEnv, emulatorChange, injectPoisonMembership } from '../helpers/sync-env.js';

const run = promisify(execFile);
const CLI = new URL('../../dist/cli.js', import.meta.url).pathname;
const PASSWORD = 'counts-agree-password';
const basic = `Basic ${Buffer.from(`authsync:${PASSWORD}`).toString('base64')}`;

/** A number as the page prints it ("1,234"). */
const count = (text: string | undefined) => Number((text ?? 'NaN').replace(/,/g, ''));

describe('every view counts the same', () => {
  it('the page, status --json, /status as JSON and /metrics agree on the inbox, dead letters, lanes and deliveries', async () => {
    const emu = await startEmulator({ seed: 131, events: 150 });
    const rx = await startReceiver();
    await rx.mode('gone', 'gone');
    await rx.mode('down', 'down');
    const served = await serveFor(
      emu,
      {
        settleMs: 0,
        destinations: [
          // 410: failed for good at once, each holding its lane.
          { name: 'gone', url: rx.at('gone'), secrets: [FORWARD_SECRET] },
          // 503: retried in an hour, the rest of its lane pending behind it.
          { name: 'down', url: rx.at('down'), secrets: [FORWARD_SECRET], schedule: [0, '1h'] },
        ],
      },
      { statusPassword: PASSWORD },
    );
    const base = served.service.url;
    try {
      await waitFor(() => served.sync.lastReadOkAtMs !== null, 10_000);
      const { org } = await injectPoisonMembership(emu, 'counts');
      // Events behind the dead letter in its lane, and a lane of deliveries behind a retry.
      const other = await emulatorChange(emu, { op: 'organization.create', name: 'Other Org' });
      for (let i = 0; i < 3; i++) {
        await emulatorChange(emu, { op: 'organization.update', id: org.id, name: `Counts ${i}` });
        await emulatorChange(emu, { op: 'organization.update', id: other.id, name: `Other ${i}` });
      }
      // Settled: a dead letter, events behind it, and deliveries that stopped moving.
      let last = '';
      let same = 0;
      await waitFor(
        async () => {
          const now = JSON.stringify([
            (await served.sync.destinations()).map((d) => [
              d.name,
              d.pending,
              d.retrying,
              d.failed,
            ]),
            (await served.sync.status()).inbox,
          ]);
          same = now === last ? same + 1 : 0;
          last = now;
          const { inbox, deadLetters } = await served.sync.status();
          // The three updates behind the dead letter, and a second without a change.
          return deadLetters === 1 && (inbox.pending ?? 0) >= 3 && same >= 20;
        },
        20_000,
        () => last,
      );

      // Deliveries held behind a failed and a retrying one are not due: the dispatcher idles (it
      // once spun on them without a pause, and this process stopped answering anything).
      const cpu = process.cpuUsage();
      await new Promise((r) => setTimeout(r, 1000));
      expect(process.cpuUsage(cpu).user / 1000).toBeLessThan(500);

      const json = (await (
        await fetch(`${base}/status`, { headers: { authorization: basic } })
      ).json()) as StatusReport;
      const { stdout } = await run('node', [CLI, 'status', '--json'], {
        env: cliEnv(emu, { DATABASE_URL: served.path.url }),
      });
      const cli = JSON.parse(stdout) as StatusReport;
      const metrics = await (await fetch(`${base}/metrics`)).text();
      const page = await (
        await fetch(`${base}/status`, { headers: { authorization: basic, accept: 'text/html' } })
      ).text();
      const metric = (line: string) =>
        Number(
          metrics
            .split('\n')
            .find((l) => l.startsWith(`${line} `))
            ?.split(' ')[1],
        );
      const summary = (key: string) =>
        count(page.match(new RegExp(`<th>${key}</th>\\s*<td[^>]*>([^<]*)</td>`))?.[1]);

      // Something to count in each: the test is not comparing zeros.
      expect(json.deadLetters).toBe(1);
      expect(json.inbox.pending).toBeGreaterThan(0);
      for (const report of [cli]) {
        expect(report.inbox).toEqual(json.inbox);
        expect(report.deadLetters).toBe(json.deadLetters);
        expect(report.laneBacklog).toEqual(json.laneBacklog);
      }
      expect(metric('authsync_dead_letters{source_id="workos"}')).toBe(json.deadLetters);
      expect(summary('dead letters')).toBe(json.deadLetters);
      expect(
        page.match(/<table data-part="dead-letters">[\s\S]*?<\/table>/)?.[0].match(/<tr>/g),
      ).toHaveLength(1 + json.deadLetters);
      for (const [state, label] of [
        ['pending', 'waiting events'],
        ['held', 'held webhooks'],
      ] as const) {
        const n = json.inbox[state] ?? 0;
        expect(metric(`authsync_inbox_backlog{source_id="workos",state="${state}"}`)).toBe(n);
        expect(summary(label)).toBe(n);
      }
      // The lanes add up to what waits, on the page as in the report.
      const lanes = page.match(/<table data-part="lanes">[\s\S]*?<\/table>/)?.[0] ?? '';
      const waiting = [
        ...lanes.matchAll(/<tr>\s*<td class="mono">[^<]*<\/td>\s*<td class="n">([^<]*)<\/td>/g),
      ].map((m) => count(m[1]));
      expect(waiting.reduce((a, b) => a + b, 0)).toBe(json.inbox.pending);
      expect(json.laneBacklog.reduce((a, l) => a + l.waiting, 0)).toBe(json.inbox.pending);

      const destinations = json.destinations ?? [];
      expect(destinations.map((d) => d.name)).toEqual(['gone', 'down']);
      expect(destinations.find((d) => d.name === 'gone')?.failed).toBeGreaterThan(0);
      expect(destinations.find((d) => d.name === 'down')?.retrying).toBeGreaterThan(0);
      // The CLI, configured with no destination, lists the database's by name.
      const byName = (list: typeof destinations) =>
        list
          .map(({ oldestPendingSeconds: _, ...d }) => d)
          .sort((a, b) => a.name.localeCompare(b.name));
      expect(byName(cli.destinations ?? [])).toEqual(byName(destinations));
      for (const d of destinations) {
        const row = page.match(
          new RegExp(`<tr data-destination="${d.name}">([\\s\\S]*?)</tr>`),
        )?.[1];
        const cells = [...(row ?? '').matchAll(/<td class="n">([^<]*)<\/td>/g)].map((m) => m[1]);
        expect(cells.slice(0, 3).map(count)).toEqual([d.pending, d.retrying, d.failed]);
        for (const state of ['pending', 'retrying', 'failed'] as const)
          expect(metric(`authsync_deliveries_open{destination="${d.name}",state="${state}"}`)).toBe(
            d[state],
          );
      }
    } finally {
      await served.service.stop();
      await rx.close();
      await emu.close();
    }
  });
});
