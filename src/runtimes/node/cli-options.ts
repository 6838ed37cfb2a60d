import { InvalidArgumentError } from 'commander';

/**
 * A whole-number option, checked once where it is parsed: a usage error (exit 2) before
 * anything is opened.
 */
export const integer =
  (name: string, min: number, max = Number.MAX_SAFE_INTEGER) =>
  (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value) || n < min || n > max)
      throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}.`);
    return n;
  };

/** An http(s) origin option (a path, query or credentials would be dropped without a word). */
export const origin =
  (name: string) =>
  (value: string): string => {
    const url = URL.canParse(value) ? new URL(value) : null;
    if (!url || !/^https?:$/.test(url.protocol) || url.username || url.password || url.search)
      throw new InvalidArgumentError(
        `${name} must be an http(s) URL such as https://sync.example.com.`,
      );
    return url.href.replace(/\/$/, '');
  };
