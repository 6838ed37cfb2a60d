import { pino } from 'pino';
import type { Logger } from '../../engine/ports.js';
import { redactUrls } from '../../engine/redact.js';

/**
 * JSON lines on stderr (stdout stays for command output), at `level` (the CLI: LOG_LEVEL).
 * Every message and string field is passed through `redactUrls`: an error can quote a URL with
 * its password or token.
 */
export function stderrLogger(level = 'info'): Logger {
  const log = pino({ level, base: undefined }, pino.destination(2));
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
