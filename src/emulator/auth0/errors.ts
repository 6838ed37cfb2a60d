/** A failure the Management API would answer with this status and body (`{statusCode, error, message, errorCode}`). */
export class Auth0Error extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message ?? body.error_description ?? `HTTP ${status}`));
  }

  static of(status: number, message: string, errorCode?: string): Auth0Error {
    return new Auth0Error(status, {
      statusCode: status,
      error: STATUS_TEXT[status] ?? 'Error',
      message,
      ...(errorCode ? { errorCode } : {}),
    });
  }

  static notFound(message: string, errorCode = 'inexistent_resource'): Auth0Error {
    return Auth0Error.of(404, message, errorCode);
  }

  static badRequest(message: string, errorCode = 'invalid_body'): Auth0Error {
    return Auth0Error.of(400, message, errorCode);
  }
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  414: 'Request-URI Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
};

/** The page cap of offset paging (users, organizations, logs search, roles). */
export const OFFSET_CAP = 1000;
