import { promisify } from 'node:util';
import { brotliDecompress, gunzip } from 'node:zlib';
import { Agent, request } from 'undici';
import type { HttpGet } from '../../http/get-json.js';

const dispatcher = new Agent();
const inflate: Record<string, (data: Buffer) => Promise<Buffer>> = {
  gzip: promisify(gunzip),
  br: promisify(brotliDecompress),
};

/**
 * WorkOS GETs through undici's `request`: the client `fetch` is built on, without the WHATWG
 * layers. Reading 100,000 events from the emulator took 0.37–0.43 s of CPU this way against
 * 0.73–1.09 s with `fetch`, and catching up is CPU-bound. Compressed pages are asked for and
 * inflated (off the main thread) as `fetch` would.
 */
export const undiciGet: HttpGet = async (url, { headers, signal }) => {
  const response = await request(url, {
    headers: { ...headers, 'accept-encoding': 'gzip, br' },
    signal,
    dispatcher,
  });
  const header = (name: string): string | null => {
    const value = response.headers[name.toLowerCase()];
    return (Array.isArray(value) ? value[0] : value) ?? null;
  };
  return {
    status: response.statusCode,
    header,
    text: async () => {
      const encoding = header('content-encoding')?.trim().toLowerCase();
      if (!encoding || encoding === 'identity') return response.body.text();
      const decode = inflate[encoding];
      if (!decode) {
        await response.body.dump();
        throw new Error(`WorkOS answered with an unsupported content-encoding: ${encoding}`);
      }
      return (await decode(Buffer.from(await response.body.arrayBuffer()))).toString('utf8');
    },
  };
};
