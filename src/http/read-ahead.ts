/**
 * Lists read ahead of the reader: `open(item)` sends an item's first requests at once and returns
 * its pages; up to `ahead` items are open beyond the one being read, so that waits on the network
 * overlap while the shared rate budget still caps what is sent. Items and their pages come out in
 * order, so positions to resume from mean what they meant.
 */
export async function* readAhead<T, R>(
  items: readonly T[],
  ahead: number,
  open: (item: T) => AsyncIterable<R>,
): AsyncGenerator<{ item: T; pages: AsyncIterable<R> }> {
  const opened: { item: T; pages: AsyncIterable<R> }[] = [];
  let next = 0;
  for (;;) {
    while (next < items.length && opened.length <= ahead) {
      const item = items[next++]!;
      opened.push({ item, pages: open(item) });
    }
    const current = opened.shift();
    if (!current) return;
    yield current;
  }
}

/** A request sent now and read later: a failure waits for its reader, never unhandled. */
export function sentNow<T>(request: Promise<T>): Promise<T> {
  request.catch(() => {});
  return request;
}
