// The plain Worker: `export { default } from 'authsync/worker';` is enough.
// With effects (run after the rows commit, at least once per event id, never on replay):
import { createWorker } from 'authsync/worker';

export default createWorker({
  on: {
    'user.created': async (event) => {
      console.log(JSON.stringify({ welcome: event.data.id }));
    },
  },
});
