/**
 * The values of an NDJSON file, `batch` at a time, parsed as they are asked for: the text is
 * decoded a chunk at a time (gzip is inflated before, by the spool), so memory holds one
 * batch, never the whole text (for a large tenant's user export that text would pass the
 * longest string JavaScript can hold). Blank lines and `\r\n` endings are fine; a line that is
 * not JSON, or longer than `maxLineChars`, fails the whole file with its line number.
 */
export async function* ndjsonBatches(
  bytes: ReadableStream<Uint8Array>,
  options: { batch: number; maxLineChars: number },
): AsyncGenerator<unknown[]> {
  const reader = bytes
    .pipeThrough(new TextDecoderStream() as unknown as ReadableWritablePair<string, Uint8Array>)
    .getReader();
  let rest = '';
  let lineNumber = 0;
  let values: unknown[] = [];
  const take = (line: string) => {
    lineNumber++;
    if (line.trim() === '') return;
    try {
      values.push(JSON.parse(line));
    } catch (error) {
      throw new Error(`line ${lineNumber} is not JSON: ${(error as Error).message}`, {
        cause: error,
      });
    }
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      // Only the new text is split: a long line arriving in many chunks is not scanned again.
      const lines = value.split('\n');
      lines[0] = rest + lines[0]!;
      rest = lines.pop()!;
      if (rest.length > options.maxLineChars)
        throw new Error(
          `line ${lineNumber + lines.length + 1} is longer than ${options.maxLineChars} characters`,
        );
      for (const line of lines) take(line);
      // Whole batches; what is left over starts the next one.
      while (values.length >= options.batch) {
        const full = values.slice(0, options.batch);
        values = values.slice(options.batch);
        yield full;
      }
    }
    take(rest);
    if (values.length > 0) yield values;
  } finally {
    await reader.cancel().catch(() => {});
  }
}
