import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

/** The README's library example: the ```ts block that calls createSync. */
function readmeExample(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)]
    .map((m) => m[1]!)
    .find((code) => code.includes('createSync('));
  if (!block) throw new Error('README.md has no ```ts example calling createSync');
  return block;
}

/**
 * Type-checks `code` as an application would, against the package as built (`import ... from
 * 'authsync'` resolves through package.json's exports to dist/*.d.ts). Its own functions are
 * declared with the types an application would give them.
 */
function typeErrors(code: string, name = 'example'): string[] {
  const dir = join(root, 'test', '.typecheck');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.ts`);
  // What a sample leaves to its reader: an application's own functions, and values it has.
  writeFileSync(
    file,
    `declare function sendWelcomeEmail(email: string): Promise<void>;
declare function audit(eventId: string): void;
declare const apiKey: string;
declare const port: number;
${code}
export {};
`,
  );
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    types: ['node'],
  });
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

/** Every ```ts block of the README and docs/, with where it is. */
function samples(): { where: string; code: string }[] {
  const files = ['README.md', ...readdirSync(join(root, 'docs')).map((f) => `docs/${f}`)];
  return files.flatMap((file) => {
    const text = readFileSync(join(root, file), 'utf8');
    return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => ({
      where: `${file}:${text.slice(0, m.index).split('\n').length}`,
      code: m[1]!,
    }));
  });
}

describe('the samples in the README and docs', () => {
  it('every TypeScript sample compiles against the built package', () => {
    const all = samples();
    expect(all.length).toBeGreaterThanOrEqual(4);
    const errors = all.flatMap(({ where, code }, i) =>
      typeErrors(code, `sample-${i}`).map((e) => `${where}: ${e}`),
    );
    expect(errors).toEqual([]);
  });
});

describe('typed handlers', () => {
  it("the README's example type-checks: event.data.email is a string for user.created", () => {
    expect(typeErrors(readmeExample())).toEqual([]);
  });

  it('a field the payload does not have, or a wrong type, is a type error', () => {
    const example = readmeExample();
    expect(example).toContain('event.data.email');
    expect(typeErrors(example.replace('event.data.email', 'event.data.emial')).join('\n')).toMatch(
      /emial/,
    );
    // A membership's user_id is a string, its role an object: not an email.
    const wrongType = `import { createSync } from 'authsync';
createSync().on('organization_membership.created', (event) => sendWelcomeEmail(event.data.role));`;
    expect(typeErrors(wrongType).join('\n')).toMatch(
      /not assignable to parameter of type 'string'/,
    );
    // Any type not in the documented list still gets a handler, with an open payload.
    const other = `import { createSync } from 'authsync';
createSync().on('vault.data.read', (event, meta) => audit(meta.id + event.event + String(event.data.x)));`;
    expect(typeErrors(other)).toEqual([]);
  });
});
