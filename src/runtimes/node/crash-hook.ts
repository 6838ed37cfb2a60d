import type { Checkpoint } from '../../engine/ports.js';

/**
 * Fault injection for the crash tests: `AUTHSYNC_CRASH_AT=after-commit:3` kills this process
 * with SIGKILL the third time it reaches that step boundary. Unset (always, outside tests): no-op.
 */
export function crashHookFromEnv(
  value = process.env.AUTHSYNC_CRASH_AT,
): ((name: Checkpoint) => void) | undefined {
  if (!value) return undefined;
  const [target, countText] = value.split(':');
  let remaining = Number(countText ?? 1);
  return (name) => {
    if (name === target && --remaining <= 0) process.kill(process.pid, 'SIGKILL');
  };
}
