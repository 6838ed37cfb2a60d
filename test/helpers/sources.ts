import type { SourceIdentity } from '../../src/engine/store.js';

/** The source a WorkOS sync has unless configured otherwise (its id is the provider's name). */
export const WORKOS_SOURCE: SourceIdentity = {
  id: 'workos',
  provider: 'workos',
  orderedIds: true,
};
