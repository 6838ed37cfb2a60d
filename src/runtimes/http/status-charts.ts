import { html } from 'hono/html';

/** The charts' data (Node's `ActivityHistory`; a Worker keeps none). */
export interface ChartSeries {
  endMs: number;
  applied: number[];
  lagSeconds: (number | null)[];
}

const WIDTH = 720;
const HEIGHT = 90;

const compact = (n: number) =>
  n >= 10_000 ? `${Math.round(n / 1000)}k` : n >= 1000 ? `${(n / 1000).toFixed(1)}k` : `${n}`;

/**
 * One series as an SVG drawn here (no script: the page's CSP allows none): a bar a minute,
 * scaled to the largest, with its largest value and time span written beside it.
 */
function chart(label: string, values: readonly (number | null)[], unit: string, part: string) {
  const max = Math.max(0, ...values.map((v) => v ?? 0));
  const step = WIDTH / values.length;
  const bars = values.map((v, i) =>
    v === null || v <= 0 || max === 0
      ? ''
      : html`<rect
          x="${(i * step).toFixed(1)}"
          y="${(HEIGHT - (v / max) * HEIGHT).toFixed(1)}"
          width="${Math.max(step, 1).toFixed(1)}"
          height="${((v / max) * HEIGHT).toFixed(1)}"
        />`,
  );
  const hours = values.length / 60;
  return html`<figure data-part="${part}">
    <figcaption>
      ${label}, a bar a minute over the last ${hours} h (highest:
      ${compact(Math.round(max))}${unit})
    </figcaption>
    <svg
      viewBox="0 0 ${WIDTH} ${HEIGHT}"
      preserveAspectRatio="none"
      role="img"
      aria-label="${label}"
      width="100%"
      height="${HEIGHT}"
      fill="#3a7bd5"
    >
      <line x1="0" y1="${HEIGHT}" x2="${WIDTH}" y2="${HEIGHT}" stroke="#999" />
      ${bars}
    </svg>
  </figure>`;
}

/** Events applied a minute, and the longest event-to-row time of each minute. */
export function activityCharts(series: ChartSeries | undefined) {
  if (!series) return '';
  return html`${chart('Events applied a minute', series.applied, '', 'chart-applied')}
  ${chart('Lag (event to row, the longest each minute)', series.lagSeconds, ' s', 'chart-lag')}`;
}
