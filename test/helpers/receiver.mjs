/* global process, URL, Buffer, console, setInterval, clearInterval */
// The application's endpoints in a process of their own (node test/helpers/receiver.mjs SECRET):
// every path is a destination; each delivery's signature is verified with the standardwebhooks
// library, as an application would. Control over HTTP: POST /_control/<path>?mode=ok|down|gone|
// abort|hang|trickle|trickle-chunked|trickle-headers|flood sets how a path answers (the last four
// are hostile: 200 with a body of 1,000 bytes sent one every 100 ms, with and without a length;
// the headers sent that way; 200 with 5 MB of NULs, invalid UTF-8 and halves of surrogates);
// GET /_control/log lists what arrived (path, webhook-id, status answered, verified, replay
// header, organization from the body). Prints its URL.
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
    const hostile = mode.startsWith('trickle') || mode === 'flood';
    const status = !verified
      ? 401
      : hostile
        ? 200
        : { ok: 200, down: 503, gone: 410, abort: 500 }[mode];
    log.push({
      path: url.pathname,
      id: req.headers['webhook-id'],
      status,
      verified,
      replay: req.headers['authsync-replay'] ?? null,
      at: Date.now(),
    });
    if (verified && hostile) return answerHostile(mode, res);
    if (mode === 'abort') res.setHeader('webhook-delivery', 'abort');
    res.writeHead(status).end(mode === 'ok' ? 'thanks' : 'no');
  });
});
/** A byte every 100 ms, 1,000 of them, until the other side goes away. */
function trickle(write, end) {
  let sent = 0;
  const timer = setInterval(() => {
    if (sent++ < 1000 && write('x')) return;
    clearInterval(timer);
    end();
  }, 100);
}

function answerHostile(mode, res) {
  if (mode === 'flood') {
    const junk = Buffer.from([0, 0xff, 0xfe, 0xed, 0xa0, 0x80, 0xc3, 0, 0x41]);
    res.writeHead(200, { 'content-length': String(5 * 1024 * 1024) });
    const chunk = Buffer.alloc(64 * 1024);
    for (let i = 0; i < chunk.length; i += junk.length) junk.copy(chunk, i);
    let left = 80;
    const more = () => {
      while (left > 0) {
        left--;
        if (!res.write(chunk)) return res.once('drain', more);
      }
      res.end();
    };
    res.on('error', () => {});
    return more();
  }
  const socket = res.socket;
  const write = (send) => (b) => {
    if (socket.destroyed) return false;
    send(b);
    return true;
  };
  if (mode === 'trickle-headers') {
    socket.write('HTTP/1.1 200 OK\r\nx-slow: ');
    return trickle(
      write((b) => socket.write(b)),
      () => socket.destroy(),
    );
  }
  res.writeHead(200, mode === 'trickle' ? { 'content-length': '1000' } : {});
  trickle(
    write((b) => res.write(b)),
    () => res.end(),
  );
}

server.listen(0, '127.0.0.1', () => console.log(`http://127.0.0.1:${server.address().port}`));
