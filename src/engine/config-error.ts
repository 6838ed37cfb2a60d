/** A setting is missing or wrong: the message names it and says what to do. Never retried. */
export class ConfigError extends Error {}
