import { apiCallOf, type Obj } from './envelope.js';

/**
 * Whether a log is a Management API write to one of `paths` (resource segments; `*` matches any
 * one segment, and a path matches its sub-resources) with one of `methods`: what the Management
 * API Webhooks extension called `AUTH0_API_ENDPOINTS`.
 */
export function apiCallFilter(filter: {
  paths?: string[][];
  methods?: string[];
}): (event: unknown) => boolean {
  return (event) => {
    if (typeof event !== 'object' || event === null) return false;
    const call = apiCallOf(event as Obj);
    if (!call) return false;
    if (filter.methods && !filter.methods.includes(call.method)) return false;
    if (!filter.paths) return true;
    return filter.paths.some(
      (p) =>
        p.length <= call.segments.length && p.every((s, i) => s === '*' || s === call.segments[i]),
    );
  };
}
