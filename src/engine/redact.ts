/**
 * Text safe to log or store: in every URL it contains (any scheme, well-formed or not), the
 * user and password and the query string are replaced. Settings and errors echo URLs, and a
 * URL can carry a database password or an endpoint's token.
 */
export function redactUrls(text: string): string {
  return text.replace(
    URL_PATTERN,
    (_url, scheme: string, userinfo: string | undefined, rest: string, query: string | undefined) =>
      `${scheme}${userinfo ? '***@' : ''}${rest}${query ? '?***' : ''}`,
  );
}

// scheme://, then userinfo up to the last @ before the path (a password may hold an @), then host and path, then ?query.
const URL_PATTERN = /([a-z][a-z0-9+.-]*:\/\/)([^\s/?#"'<>]*@)?([^\s?#"'<>]*)(\?[^\s#"'<>]*)?/gi;

/**
 * A setting's value for an error message: a URL without its credentials and query, or nothing
 * when it does not look like a URL (it may be a secret pasted into the wrong setting).
 */
export function showSetting(value: string): string {
  return /^[a-z][a-z0-9+.-]*:/i.test(value)
    ? JSON.stringify(redactUrls(value))
    : '(value not shown)';
}
