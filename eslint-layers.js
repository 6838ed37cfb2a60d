// The rooms of src/ and what each may import (ARCHITECTURE.md, "may import"), checked on every
// relative import: dependencies point one way, runtimes/wiring -> engine <- providers, stores,
// delivery. A room is the first folder under src/ (a provider's room is its own folder);
// files directly in src/ are the wiring.
import { dirname, join, relative } from 'node:path';

const ALLOWED = {
  engine: ['engine'],
  http: ['engine', 'http'],
  provider: ['engine', 'http'],
  stores: ['engine', 'stores'],
  delivery: ['engine', 'delivery'],
  schema: ['engine', 'schema', 'provider'],
  emulator: ['emulator'],
  runtimes: null,
  wiring: null,
};

/** Rooms whose code runs in a Worker: no Node built-ins (the Worker bundle has none). */
const PORTABLE = new Set(['engine', 'http', 'provider', 'delivery', 'schema']);
const PORTABLE_STORES = /^src\/stores\/(sql|d1)\//;

const root = import.meta.dirname;

function roomOf(path) {
  const parts = path.split('/');
  if (parts[0] !== 'src') return null;
  if (parts.length === 2) return { room: 'wiring' };
  if (parts[1] === 'providers') return { room: 'provider', name: parts[2] };
  return { room: parts[1] };
}

export const layers = {
  rules: {
    'may-import': {
      meta: { type: 'problem', schema: [] },
      create(context) {
        const file = relative(root, context.filename);
        const from = roomOf(file);
        if (!from) return {};
        const check = (node) => {
          const spec = node.source?.value;
          if (typeof spec !== 'string') return;
          if (spec.startsWith('node:')) {
            if (PORTABLE.has(from.room) || PORTABLE_STORES.test(file))
              context.report({ node, message: `${file} runs in Workers: no ${spec} here.` });
            return;
          }
          if (!spec.startsWith('.')) return;
          const to = roomOf(relative(root, join(dirname(context.filename), spec)));
          if (!to) return;
          const allowed = ALLOWED[from.room];
          const ok =
            allowed === null ||
            (to.room === 'provider'
              ? (from.room === 'provider' && to.name === from.name) || allowed.includes('provider')
              : allowed.includes(to.room));
          if (!ok)
            context.report({
              node,
              message: `${from.room === 'provider' ? `providers/${from.name}` : from.room} may not import ${to.room === 'provider' ? `providers/${to.name}` : to.room} (${spec}); see ARCHITECTURE.md.`,
            });
        };
        return {
          ImportDeclaration: check,
          ExportNamedDeclaration: check,
          ExportAllDeclaration: check,
          ImportExpression: check,
        };
      },
    },
  },
};
