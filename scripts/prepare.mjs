// `npm install` / `npm ci` in a checkout build dist/ (the CLI and the package run from it). A
// production install (`npm ci --omit=dev`) has no TypeScript: it uses dist/ as it is, built
// before (`npm ci && npm prune --omit=dev` builds, then drops the tools).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  console.log(
    existsSync('dist/cli.js')
      ? 'prepare: TypeScript is not installed (--omit=dev): dist/ is used as it is'
      : 'prepare: TypeScript is not installed (--omit=dev) and there is no dist/: run `npm ci && npm prune --omit=dev` instead',
  );
  process.exit(0);
}
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
