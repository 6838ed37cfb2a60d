import { pino } from 'pino';
import type { Logger } from '../../engine/ports.js';
import { redactUrls } from '../../engine/redact.js';
import { aboveProgress } from './progress.js';

const LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/**
 * A log line for a person at a terminal: time, level, message, then `key=value` fields (pino's
 * JSON line, reformatted). Written above the progress line, never over it.
 */
export function readableLine(json: string): string {
  const { level, time, msg, ...fields } = JSON.parse(json) as Record<string, unknown>;
  const at = new Date(Number(time)).toISOString().slice(11, 23);
  const rest = Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`)
    .join(' ');
  const name = (LEVELS[Number(level)] ?? String(level)).toUpperCase().padEnd(5);
  return `${at} ${name} ${String(msg)}${rest ? `  ${rest}` : ''}\n`;
}

/**
 * Logs on stderr (stdout stays for command output), at `level` (the CLI: LOG_LEVEL): JSON lines,
 * or readable lines when stderr is a terminal. Every message and string field is passed through
 * `redactUrls`: an error can quote a URL with its password or token.
 */
export function stderrLogger(level = 'info', stream: NodeJS.WriteStream = process.stderr): Logger {
  const log = stream.isTTY
    ? pino(
        { level, base: undefined },
        { write: (json: string) => aboveProgress(stream, readableLine(json)) },
      )
    : pino({ level, base: undefined }, pino.destination(2));
  const safe = (fields: Record<string, unknown> | undefined) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(fields ?? {}))
      out[k] = typeof v === 'string' ? redactUrls(v) : v;
    return out;
  };
  return {
    info: (message, fields) => log.info(safe(fields), redactUrls(message)),
    warn: (message, fields) => log.warn(safe(fields), redactUrls(message)),
    error: (message, fields) => log.error(safe(fields), redactUrls(message)),
  };
}
