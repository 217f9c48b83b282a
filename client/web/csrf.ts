// CSRF protection without a session: the secret lives in a signed, HttpOnly cookie, so an anonymous
// visitor (the login form, a unit on the portal) gets a token without a session row being written.
// Tokens are bound to the account of the session (or to "anonymous"), so a secret planted in a
// browser cannot carry a token made for another account.
import csrf from '@fastify/csrf-protection';
import { createHmac } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const CSRF_COOKIE = 'chuangwen.csrf';

/** The account a token is bound to: the session's, or none before login. */
export function csrfUserInfo(request: FastifyRequest): string {
  return request.session?.userId ? `user:${request.session.userId}` : 'anonymous';
}

/** A CSRF token for the request's account. */
export function csrfToken(request: FastifyRequest, reply: FastifyReply): string {
  return reply.generateCsrf({ userInfo: csrfUserInfo(request) });
}

/**
 * Where a request carries its token: the x-csrf-token header (API, scripts), the form's `_csrf`
 * field (url-encoded forms), or the `_csrf` query parameter of a multipart form's action — a
 * multipart body is read only after the token was checked, so it cannot carry it.
 */
function getToken(request: FastifyRequest): string | undefined {
  const header = request.headers['x-csrf-token'] ?? request.headers['csrf-token'];
  if (typeof header === 'string') return header;
  const body = request.body as Record<string, unknown> | undefined;
  if (body && typeof body === 'object' && !Buffer.isBuffer(body) && typeof body._csrf === 'string') return body._csrf;
  const query = request.query as Record<string, unknown> | undefined;
  return typeof query?._csrf === 'string' ? query._csrf : undefined;
}

/** Registers the protection (after @fastify/cookie, which must have a secret to sign with). */
export function registerCsrf(app: FastifyInstance, options: { secret: string; secure: boolean }): void {
  app.register(csrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: CSRF_COOKIE,
    cookieOpts: { path: '/', sameSite: 'lax', httpOnly: true, secure: options.secure, signed: true },
    getToken,
    getUserInfo: csrfUserInfo,
    csrfOpts: { hmacKey: createHmac('sha256', options.secret).update('chuangwen/csrf').digest('base64') },
  });
}
