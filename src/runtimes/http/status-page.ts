import { html } from 'hono/html';
import type { DeadLetter } from '../../engine/store.js';
import { duration, progressText, type StatusReport } from '../../status-report.js';
import type { DeliveryRecord } from '../../engine/deliveries.js';
import { actionButtons, failedDeliveriesSection } from './status-actions.js';
import { activityCharts, type ChartSeries } from './status-charts.js';
import type { DestinationStatus } from '../../delivery/destination-status.js';

/** Seconds between the page's own reloads. */
const REFRESH_S = 10;

// No word for "lagging": the lag grows on a quiet stream too (it is the newest event's age).
type Health = { word: 'ok' | 'failing' | 'dead letters' | 'deliveries failing'; why: string };

/** One word for the whole picture, with the reason: what an operator looks for first. */
function healthOf(report: StatusReport): Health {
  // A successful run clears the last error: one that is there is the latest word.
  if (report.lastError) return { word: 'failing', why: 'the last run ended in an error (below)' };
  const r = report.retention;
  if (r.atRisk)
    return {
      word: 'failing',
      why: `the cursor last reached the head ${((r.cursorAgeSeconds ?? 0) / 3600).toFixed(1)} h ago, and events older than ${r.days} days are lost for good: catch up, or run authsync reimport`,
    };
  if (report.deadLetters > 0)
    return {
      word: 'dead letters',
      why: `${report.deadLetters} event(s) could not be applied; their organizations' later events wait`,
    };
  const destinations = report.destinations ?? [];
  const disabled = destinations.filter((d) => d.disabled).map((d) => d.name);
  if (disabled.length > 0)
    return {
      word: 'deliveries failing',
      why: `destination ${disabled.join(', ')} failed for too long and is disabled (its deliveries kept): fix it, then authsync deliveries enable`,
    };
  const failed = destinations.reduce((n, d) => n + d.failed, 0);
  if (failed > 0)
    return {
      word: 'deliveries failing',
      why: `${failed} deliveries failed for good and hold their organizations' later deliveries: authsync deliveries retry or skip`,
    };
  return { word: 'ok', why: 'applying events as they come' };
}

const number = (n: number) => n.toLocaleString('en-US');
const lag = (s: number | null) =>
  s === null ? '—' : s < 120 ? `${s.toFixed(1)} s` : `${(s / 60).toFixed(0)} min`;

/** One source's part of the page. */
export interface SourceStatus {
  report: StatusReport;
  deadLetters: DeadLetter[];
  /** The last hours a minute at a time, where the runtime keeps them (Node's `serve`). */
  activity?: ChartSeries;
}

/** A time as it is, and how long ago ("3 min ago"): people read the one, machines the other. */
function ago(iso: string | null, nowMs: number, none: string): string {
  if (!iso) return none;
  const at = Date.parse(iso.split(' ')[0]!);
  if (!Number.isFinite(at)) return iso;
  const ms = nowMs - at;
  const text = duration(Math.abs(ms));
  return `${iso} (${ms >= 0 ? `${text} ago` : `in ${text}`})`;
}

const SEVERITY: Record<Health['word'], number> = {
  ok: 0,
  'deliveries failing': 1,
  'dead letters': 1,
  failing: 2,
};

/**
 * The status page: what `authsync status` prints, as HTML that reloads itself, a section per
 * source (`data-source`), each part of it marked `data-part`. Every value is escaped by `html`
 * (errors and ids come from outside); no script, no external asset.
 */
export function renderStatusPage(
  sources: readonly SourceStatus[],
  nowMs = Date.now(),
  /** Buttons to retry or skip, and the failed deliveries to show them on (none: a page to read). */
  actions?: StatusActions,
): Promise<string> | string {
  const healths = sources.map((s) => healthOf(s.report));
  const worst = healths.reduce((a, b) => (SEVERITY[b.word] > SEVERITY[a.word] ? b : a));
  const why =
    sources.length === 1
      ? worst.why
      : healths
          .map((h, i) => `${sources[i]!.report.source}: ${h.word === 'ok' ? 'ok' : h.why}`)
          .join('; ');
  const page = html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta http-equiv="refresh" content="${REFRESH_S}" />
        <title>authsync: ${worst.word}</title>
        <style>
          body {
            font:
              15px/1.45 system-ui,
              sans-serif;
            margin: 2rem auto;
            max-width: 60rem;
            padding: 0 1rem;
            color: #1d1d1f;
          }
          h1 {
            font-size: 1.4rem;
          }
          h2 {
            font-size: 1.1rem;
            margin-top: 2rem;
          }
          table {
            border-collapse: collapse;
            width: 100%;
          }
          td,
          th {
            text-align: left;
            padding: 0.3rem 0.6rem;
            border-bottom: 1px solid #ddd;
            vertical-align: top;
          }
          td.n {
            text-align: right;
            font-variant-numeric: tabular-nums;
          }
          code,
          .mono {
            font-family: ui-monospace, monospace;
            font-size: 0.9em;
            /* An id moves to its own line whole; only one longer than a line is cut. */
            overflow-wrap: anywhere;
          }
          figure {
            margin: 1rem 0;
          }
          figcaption {
            font-size: 0.85rem;
            color: #555;
          }
          /* A phone: each row's cells one under another, nothing wider than the screen. */
          @media (max-width: 40rem) {
            body {
              margin: 1rem auto;
            }
            table,
            tbody,
            tr,
            td,
            th {
              display: block;
            }
            tr {
              border-bottom: 1px solid #ddd;
              padding: 0.3rem 0;
            }
            td,
            th {
              border: none;
              padding: 0.1rem 0.3rem;
            }
            td.n {
              text-align: left;
            }
          }
          .health {
            display: inline-block;
            padding: 0.15rem 0.6rem;
            border-radius: 0.3rem;
            font-weight: 600;
          }
          .health.ok {
            background: #d9f2dd;
          }
          .health.failing,
          .health.deliveries-failing,
          .health.dead-letters {
            background: #ffd6d3;
          }
          .error {
            white-space: pre-wrap;
            background: #fff4f3;
            padding: 0.6rem;
            border-radius: 0.3rem;
          }
          .actions form {
            display: inline;
          }
          footer {
            margin-top: 2rem;
            color: #666;
            font-size: 0.85rem;
          }
        </style>
      </head>
      <body>
        <h1>
          authsync
          <span class="health ${worst.word.replace(' ', '-')}" data-health="${worst.word}"
            >${worst.word}</span
          >
        </h1>
        <p>${why}.</p>
        ${sources.map((s) => sourceSection(s, sources.length > 1, nowMs, actions?.token))}
        ${destinationsSection(sources[0]?.report.destinations ?? [])}
        ${actions ? failedDeliveriesSection(actions.failedDeliveries, actions.token) : ''}
        <footer>
          As of ${new Date(nowMs).toISOString()}; reloads every ${REFRESH_S} s. The same as JSON:
          ask with <code>Accept: application/json</code>.
        </footer>
      </body>
    </html>`;
  return page as unknown as Promise<string> | string;
}

/** What the page needs to offer its buttons. */
export interface StatusActions {
  token: string;
  failedDeliveries: readonly DeliveryRecord[];
}

function sourceSection(
  { report, deadLetters, activity }: SourceStatus,
  titled: boolean,
  nowMs: number,
  token?: string,
) {
  const cursor =
    report.cursor.after ??
    (report.cursor.rangeStart ? `from ${report.cursor.rangeStart}` : 'not started');
  const summary: [string, string][] = [
    ['source', report.source],
    ['progress', report.progress ? progressText(report.progress) : 'idle'],
    ['cursor', cursor],
    ['last event', ago(report.lastEventAt, nowMs, 'none yet')],
    ['lag', lag(report.lagSeconds)],
    ['last success', ago(report.lastSuccessAt, nowMs, 'never')],
    [
      'cursor age',
      report.retention.cursorAgeSeconds === null
        ? '—'
        : `${(report.retention.cursorAgeSeconds / 3600).toFixed(1)} h of the ${report.retention.days} days events are kept${report.retention.atRisk ? ': at risk, catch up or run authsync reimport' : ''}`,
    ],
    ['first import', ago(report.importedAt, nowMs, 'not done')],
    ['waiting events', number(report.inbox.pending ?? 0)],
    ['queued events', number(report.inbox.queued ?? 0)],
    ['held webhooks', number(report.inbox.held ?? 0)],
    ['applied events', number(report.inbox.applied ?? 0)],
    ['dead letters', number(report.deadLetters)],
  ];
  return html`<section data-source="${report.source}">
    ${titled ? html`<h2>Source ${report.source}: ${healthOf(report).word}</h2>` : ''}
    <table data-part="summary">
      ${summary.map(
        ([k, v]) =>
          html`<tr>
            <th>${k}</th>
            <td class="mono">${v}</td>
          </tr>`,
      )}
    </table>
    ${activityCharts(activity)}
    ${
      report.lastError
        ? html`<h2>Last error</h2>
            <div class="error mono" data-part="last-error">${report.lastError}</div>`
        : ''
    }
    <h2>Rows</h2>
    <table data-part="rows">
      ${Object.entries(report.rows).map(
        ([table, n]) =>
          html`<tr>
            <td class="mono">${table}</td>
            <td class="n">${number(n)}</td>
          </tr>`,
      )}
    </table>
    ${
      deadLetters.length > 0
        ? html`<h2>Dead letters</h2>
            <p>
              Resolve here or with <code>authsync dead-letters retry ID</code> or
              <code>skip ID</code>.
            </p>
            <table data-part="dead-letters">
              <tr>
                <th>event</th>
                <th>type</th>
                <th>organization</th>
                <th>attempts</th>
                <th>error</th>
              </tr>
              ${deadLetters.map(
                (d) =>
                  html`<tr>
                    <td class="mono">${d.eventId}</td>
                    <td class="mono">${d.type}</td>
                    <td class="mono">${d.lane || '(none)'}</td>
                    <td class="n">${d.attempts}</td>
                    <td>${d.error}</td>
                    ${
                      token
                        ? actionButtons(token, {
                            kind: 'dead-letter',
                            source: report.source,
                            id: d.eventId,
                          })
                        : ''
                    }
                  </tr>`,
              )}
            </table>`
        : ''
    }
    ${
      report.laneBacklog.length > 0
        ? html`<h2>Lane backlog</h2>
            <table data-part="lanes">
              <tr>
                <th>organization</th>
                <th>waiting</th>
                <th>queued</th>
              </tr>
              ${report.laneBacklog.map(
                (l) =>
                  html`<tr>
                    <td class="mono">${l.lane || '(no organization)'}</td>
                    <td class="n">${number(l.waiting)}</td>
                    <td class="n">${number(l.queued)}</td>
                  </tr>`,
              )}
            </table>`
        : ''
    }
    ${
      report.processes
        ? html`<h2>Processes</h2>
            <table data-part="processes">
              ${report.processes.map(
                (p) =>
                  html`<tr>
                    <td class="mono">${p.name}</td>
                    <td>${p.reader ? 'reader' : ''}</td>
                    <td class="mono">since ${p.since}</td>
                  </tr>`,
              )}
            </table>`
        : ''
    }
  </section>`;
}

/** The application's destinations (the database's, shown once): backlog and health. */
function destinationsSection(destinations: readonly DestinationStatus[]) {
  if (destinations.length === 0) return '';
  return html`<section data-part="destinations">
    <h2>Destinations</h2>
    <table>
      <tr>
        <th>destination</th>
        <th>pending</th>
        <th>of them retrying</th>
        <th>failed</th>
        <th>oldest pending</th>
        <th>state</th>
      </tr>
      ${destinations.map(
        (d) =>
          html`<tr data-destination="${d.name}">
            <td class="mono">${d.name}</td>
            <td class="n">${number(d.pending)}</td>
            <td class="n">${number(d.retrying)}</td>
            <td class="n">${number(d.failed)}</td>
            <td class="n">${lag(d.oldestPendingSeconds)}</td>
            <td>${d.disabled ? 'disabled' : d.lastError ? `failing: ${d.lastError}` : 'ok'}</td>
          </tr>`,
      )}
    </table>
  </section>`;
}
