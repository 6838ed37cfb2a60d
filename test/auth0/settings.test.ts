import { describe, expect, it } from 'vitest';
import {
  auth0Connection,
  auth0RequestsPerMinute,
  eventStreamCredential,
} from '../../src/providers/auth0/settings.js';

describe("Auth0's settings are checked once, and errors name the setting", () => {
  it('AUTH0_DOMAIN: a domain or a loopback origin; the credentials it needs', () => {
    const ok = { AUTH0_CLIENT_ID: 'id', AUTH0_CLIENT_SECRET: 'secret' };
    expect(auth0Connection({}, { ...ok, AUTH0_DOMAIN: 'acme.us.auth0.com' })).toEqual({
      origin: 'https://acme.us.auth0.com',
      clientId: 'id',
      clientSecret: 'secret',
    });
    expect(auth0Connection({}, { ...ok, AUTH0_DOMAIN: 'http://127.0.0.1:4000' }).origin).toBe(
      'http://127.0.0.1:4000',
    );
    expect(auth0Connection({}, { AUTH0_DOMAIN: 'acme.eu.auth0.com', AUTH0_TOKEN: 't' })).toEqual({
      origin: 'https://acme.eu.auth0.com',
      token: 't',
    });
    const refused: [Record<string, string>, RegExp][] = [
      [ok, /AUTH0_DOMAIN is not set/],
      [{ ...ok, AUTH0_DOMAIN: 'http://acme.us.auth0.com' }, /http is for a local emulator only/],
      [{ ...ok, AUTH0_DOMAIN: 'https://acme.us.auth0.com/api/v2' }, /has a path/],
      [{ ...ok, AUTH0_DOMAIN: 'https://user:pw@acme.us.auth0.com' }, /has a path, query or user/],
      [{ ...ok, AUTH0_DOMAIN: 'acme us' }, /is not a domain/],
      [{ AUTH0_DOMAIN: 'acme.us.auth0.com' }, /AUTH0_CLIENT_ID is not set/],
      [
        { AUTH0_DOMAIN: 'acme.us.auth0.com', AUTH0_CLIENT_ID: 'id' },
        /AUTH0_CLIENT_SECRET is not set/,
      ],
    ];
    for (const [env, message] of refused) expect(() => auth0Connection({}, env)).toThrow(message);
    // A refused value is never echoed with its credentials.
    expect(() =>
      auth0Connection({}, { ...ok, AUTH0_DOMAIN: 'https://user:hunter2@acme.us.auth0.com' }),
    ).not.toThrow(/hunter2/);
  });

  it('AUTH0_REQUESTS_PER_MINUTE and the Event Streams authorization', () => {
    expect(auth0RequestsPerMinute({})).toBeUndefined();
    expect(auth0RequestsPerMinute({ AUTH0_REQUESTS_PER_MINUTE: '960' })).toBe(960);
    for (const bad of ['0', '1.5', 'lots', '-3'])
      expect(() => auth0RequestsPerMinute({ AUTH0_REQUESTS_PER_MINUTE: bad })).toThrow(
        /AUTH0_REQUESTS_PER_MINUTE/,
      );
    expect(eventStreamCredential({})).toBeNull();
    expect(eventStreamCredential({ AUTH0_EVENT_STREAM_TOKEN: 'tok' })).toEqual({
      header: 'authorization',
      value: 'Bearer tok',
    });
    expect(eventStreamCredential({ AUTH0_EVENT_STREAM_BASIC: 'u:p' })).toEqual({
      header: 'authorization',
      value: `Basic ${btoa('u:p')}`,
    });
    expect(eventStreamCredential({ AUTH0_EVENT_STREAM_HEADER: 'X-Stream-Key: abc: def' })).toEqual({
      header: 'x-stream-key',
      value: 'abc: def',
    });
    expect(() =>
      eventStreamCredential({ AUTH0_EVENT_STREAM_TOKEN: 'a', AUTH0_EVENT_STREAM_BASIC: 'u:p' }),
    ).toThrow(/not AUTH0_EVENT_STREAM_TOKEN and AUTH0_EVENT_STREAM_BASIC/);
    expect(() => eventStreamCredential({ AUTH0_EVENT_STREAM_BASIC: 'nocolon' })).toThrow(
      /user:password/,
    );
    expect(() => eventStreamCredential({ AUTH0_EVENT_STREAM_HEADER: 'no colon' })).toThrow(
      /Header-Name: value/,
    );
  });
});
