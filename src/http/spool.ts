/**
 * Where a download is held while it is read at the reader's pace: a user export file is
 * fetched whole as soon as its one-minute link is given (a download held back while pages are
 * applied could be cut off), then read a batch at a time. In memory by default (Workers have no
 * disk); Node holds it in a temporary file (`runtimes/node/file-spool.ts`).
 */
export type Spool = (body: ReadableStream<Uint8Array>, signal?: AbortSignal) => Promise<Spooled>;

export interface Spooled {
  /** How many bytes were held. */
  readonly size: number;
  /** The first bytes (up to 16): what kind of file it is (gzip starts 1f 8b). */
  readonly head: Uint8Array;
  /** The bytes again, from the start, inflated from gzip when `gunzip`, as they are read. */
  stream(gunzip: boolean): ReadableStream<Uint8Array>;
  /** Lets go of them (a file is removed). */
  release(): Promise<void>;
}

/** The most a download may hold in memory by default: past it, the download fails saying so. */
export const MAX_MEMORY_SPOOL_BYTES = 1024 * 1024 * 1024;

/**
 * A download's chunks as they came: never joined into one buffer (that would hold them twice).
 * Past `maxBytes` the download fails with a message ending in `hint` (what to do instead).
 */
export const memorySpool =
  (maxBytes = MAX_MEMORY_SPOOL_BYTES, hint = ''): Spool =>
  async (body) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = body.getReader();
    try {
      for (let read = await reader.read(); !read.done; read = await reader.read()) {
        size += read.value.length;
        if (size > maxBytes)
          throw new Error(
            `the download is larger than ${maxBytes / 1024 / 1024} MB, the most held in memory${hint}`,
          );
        chunks.push(read.value);
      }
    } finally {
      await reader.cancel().catch(() => {});
    }
    return {
      size,
      head: headOf(chunks),
      stream: (gunzip) => {
        let next = 0;
        const bytes = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (next < chunks.length) controller.enqueue(chunks[next++]!);
            else controller.close();
          },
        });
        return gunzip ? gunzipped(bytes) : bytes;
      },
      release: async () => void chunks.splice(0),
    };
  };

/**
 * Gzip bytes inflated by the platform's `DecompressionStream` (Node and workerd alike; their
 * declared types differ only in what their writable side also accepts). On Node 20 it takes in
 * all it is given at once (Node 24 waits for its reader): fine for bytes already in memory.
 */
export function gunzipped(bytes: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  return bytes.pipeThrough(
    new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>,
  );
}

function headOf(chunks: Uint8Array[]): Uint8Array {
  const head = new Uint8Array(16);
  let at = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, head.length - at);
    head.set(part, at);
    at += part.length;
    if (at === head.length) break;
  }
  return head.subarray(0, at);
}
