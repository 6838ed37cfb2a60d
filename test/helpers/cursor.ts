/** The cursor token of a source that pages by event id (as WorkOS does). */
export function cursorById(raw: unknown): string | null {
  const id = (raw as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : null;
}
