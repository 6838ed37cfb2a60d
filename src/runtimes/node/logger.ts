import { pino } from 'pino';
import type { Logger } from '../../engine/ports.js';

/** JSON lines on stderr (stdout stays for command output), level from LOG_LEVEL (default info). */
export function stderrLogger(level = process.env.LOG_LEVEL ?? 'info'): Logger {
  const log = pino({ level, base: undefined }, pino.destination(2));
  return {
    info: (message, fields) => log.info(fields ?? {}, message),
    warn: (message, fields) => log.warn(fields ?? {}, message),
    error: (message, fields) => log.error(fields ?? {}, message),
  };
}
