/* global process, URL, Buffer, console */
// The application's endpoints in a process of their own (node test/helpers/receiver.mjs SECRET):
// every path is a destination; each delivery's signature is verified with the standardwebhooks
// library, as an application would. Control over HTTP: POST /_control/<path>?mode=ok|down|gone|
// abort|hang sets how a path answers; GET /_control/log lists what arrived (path, webhook-id,
// status answered, verified, replay header, organization from the body). Prints its URL.
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';

const verifier = new Webhook(process.argv[2]);
const modes = new Map();
const log = [];

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname.startsWith('/_control/')) {
    if (req.method === 'POST') {
      modes.set(`/${url.pathname.slice('/_control/'.length)}`, url.searchParams.get('mode'));
      res.end('ok');
    } else res.setHeader('content-type', 'application/json').end(JSON.stringify(log));
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    let verified = true;
    try {
      verifier.verify(body, req.headers);
    } catch {
      verified = false;
    }
    const mode = modes.get(url.pathname) ?? 'ok';
    if (mode === 'hang') return; // never answers
    const status = !verified ? 401 : { ok: 200, down: 503, gone: 410, abort: 500 }[mode];
    log.push({
      path: url.pathname,
      id: req.headers['webhook-id'],
      status,
      verified,
      replay: req.headers['authsync-replay'] ?? null,
      at: Date.now(),
    });
    if (mode === 'abort') res.setHeader('webhook-delivery', 'abort');
    res.writeHead(status).end(mode === 'ok' ? 'thanks' : 'no');
  });
});
server.listen(0, '127.0.0.1', () => console.log(`http://127.0.0.1:${server.address().port}`));
