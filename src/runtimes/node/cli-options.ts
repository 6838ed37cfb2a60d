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
