import { createRequire } from 'node:module';
import { ConfigError } from '../engine/config-error.js';

const load = createRequire(import.meta.url);

/**
 * Loads a driver the package does not install for everyone (`pg` and `pg-boss` are optional
 * peer dependencies, `better-sqlite3` an optional dependency), on first use; when it is not
 * installed, says which package to install and what needs it.
 */
export function optionalPackage<T>(name: string, neededFor: string): T {
  try {
    return load(name) as T;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'MODULE_NOT_FOUND' && (error as Error).message.includes(`'${name}'`))
      throw new ConfigError(
        `${neededFor} needs the npm package ${name}, which is not installed: npm install ${name}`,
      );
    throw error;
  }
}
