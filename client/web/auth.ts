// Accounts and sessions: login (rate limited), logout, and the role checks every route uses.
import argon2 from 'argon2';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  clearLoginFailures,
  countLoginFailures,
  findUserById,
  findUserByName,
  recordLogin,
  recordLoginFailure,
} from '../../db/users.js';
import { HttpProblem } from '../api/problems.js';
import { problems, ref } from '../api/schemas.js';
import type { ConsoleUser } from '../context.js';
import { csrfToken } from './csrf.js';
import { page } from './views.js';

/** Hashes a password the way every account is stored (argon2id). */
export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id });
}

export const MIN_PASSWORD_LENGTH = 8;

let dummyHash: Promise<string> | undefined;

/** The user of a name and password, or undefined; takes as long for an unknown name as for a wrong password. */
export async function checkPassword(app: FastifyInstance, name: string, password: string): Promise<ConsoleUser | undefined> {
  const user = typeof name === 'string' && name.length <= 64 ? await findUserByName(app.console.db, name.trim()) : undefined;
  if (!user || user.disabled) {
    dummyHash ??= hashPassword('chuangwen-no-such-user');
    await argon2.verify(await dummyHash, String(password ?? '')).catch(() => false);
    return undefined;
  }
  const ok = await argon2.verify(user.password_hash, String(password ?? '')).catch(() => false);
  if (!ok) return undefined;
  await recordLogin(app.console.db, user.id);
  return { id: user.id, name: user.name, displayName: user.display_name, role: user.role };
}

export async function loadUser(app: FastifyInstance, request: FastifyRequest): Promise<ConsoleUser | undefined> {
  const user = await findUserById(app.console.db, request.session.userId!);
  if (!user || user.disabled) {
    await request.session.destroy();
    return undefined;
  }
  return { id: user.id, name: user.name, displayName: user.display_name, role: user.role };
}

const isApi = (request: FastifyRequest) => request.url.startsWith('/api/');

/** preHandler (onRequest on upload routes): a logged-in administrator or leader; pages send others to the login page. */
export async function requireUser(request: FastifyRequest, reply: FastifyReply) {
  if (request.user) return;
  if (isApi(request)) throw new HttpProblem(401, 'Unauthenticated', '请先登录');
  return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
}

/** preHandler (onRequest on upload routes): an administrator; leaders read but do not act. */
export async function requireAdmin(request: FastifyRequest, reply: FastifyReply) {
  if (!request.user) return requireUser(request, reply);
  if (request.user.role !== 'admin') throw new HttpProblem(403, 'Forbidden', '领导账号只能查看，不能执行此操作');
}

/**
 * Where to go after login: a path of the console itself, resolved against its own address as a
 * browser would (tabs and line breaks dropped, `\\` read as `/`), same origin, one leading slash;
 * anything else goes to the dashboard.
 */
export function safeNext(next: unknown, publicUrl: string): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.length > 2048) return '/';
  let base: URL;
  let url: URL;
  try {
    base = new URL(publicUrl);
    url = new URL(next, base);
  } catch {
    return '/';
  }
  if (url.origin !== base.origin || url.username || url.password) return '/';
  const path = `${url.pathname}${url.search}${url.hash}`;
  if (!path.startsWith('/') || path.startsWith('//') || path.startsWith('/\\') || path.startsWith('/login')) return '/';
  return path;
}

export interface LoginLimits {
  /** Attempts per client address and window, /login and /api/session together. */
  perAddress: { max: number; timeWindowMs: number };
  /** Failed attempts per account name and window, counted in PostgreSQL across console processes. */
  perAccount: { max: number; timeWindowMs: number };
}

export function registerAuthRoutes(app: FastifyInstance, options: LoginLimits) {
  const publicUrl = app.console.publicUrl;
  const db = app.console.db;
  // One allowance for both ways in: the form and the API draw on the same count per address.
  const perAddress = app.createRateLimit({
    max: options.perAddress.max,
    timeWindow: options.perAddress.timeWindowMs,
    keyGenerator: (request: FastifyRequest) => `login:${request.ip}`,
  });
  const addressLimit = async (request: FastifyRequest, reply: FastifyReply) => {
    const limit = await perAddress(request);
    if (!limit.isAllowed && limit.isExceeded) {
      reply.header('Retry-After', String(limit.ttlInSeconds));
      throw new HttpProblem(429, 'TooManyRequests', '登录尝试过于频繁，请稍后再试');
    }
  };
  const accountMinutes = Math.max(Math.round(options.perAccount.timeWindowMs / 60_000), 1);
  /** The password check with the account's allowance: refused unchecked while locked, failures counted. */
  const login = async (request: FastifyRequest, name: string, password: string): Promise<ConsoleUser | undefined> => {
    const key = typeof name === 'string' ? name.trim() : '';
    if (key && (await countLoginFailures(db, key, options.perAccount.timeWindowMs)) >= options.perAccount.max) {
      throw new HttpProblem(429, 'AccountLocked', `该账号登录失败次数过多，已暂时锁定，请 ${accountMinutes} 分钟后再试`);
    }
    const user = await checkPassword(app, name, password);
    if (!user && key) await recordLoginFailure(db, key, request.ip);
    if (user) await clearLoginFailures(db, key);
    return user;
  };

  app.get('/login', async (request, reply) => {
    const next = safeNext((request.query as { next?: string }).next, publicUrl);
    if (request.user) return reply.redirect(next, 303);
    return page(app, request, reply, 'login', { title: '登录', bare: true }, { next });
  });

  app.post(
    '/login',
    { onRequest: addressLimit, preHandler: app.csrfProtection },
    async (request, reply) => {
      const body = (request.body ?? {}) as Record<string, unknown>;
      const next = safeNext(body.next, publicUrl);
      let user: ConsoleUser | undefined;
      try {
        user = await login(request, String(body.name ?? ''), String(body.password ?? ''));
      } catch (error) {
        if (!(error instanceof HttpProblem)) throw error;
        reply.code(error.statusCode);
        return page(app, request, reply, 'login', { title: '登录', bare: true, flash: { kind: 'error', text: error.message } }, {
          next,
          name: String(body.name ?? ''),
        });
      }
      if (!user) {
        reply.code(401);
        return page(app, request, reply, 'login', { title: '登录', bare: true, flash: { kind: 'error', text: '用户名或密码不正确' } }, {
          next,
          name: String(body.name ?? ''),
        });
      }
      await request.session.regenerate();
      request.session.userId = user.id;
      request.session.userName = user.name;
      request.session.role = user.role;
      return reply.redirect(next, 303);
    },
  );

  app.post('/logout', { preHandler: app.csrfProtection }, async (request, reply) => {
    await request.session.destroy();
    return reply.redirect('/login', 303);
  });

  // The same for API clients.
  app.post(
    '/api/session',
    {
      onRequest: addressLimit,
      schema: {
        tags: ['session'],
        summary: '登录（管理员或领导账号），返回会话 Cookie 与 csrfToken',
        body: {
          type: 'object',
          properties: { name: { type: 'string', maxLength: 64 }, password: { type: 'string', maxLength: 256 } },
          required: ['name', 'password'],
          additionalProperties: false,
        },
        response: { 200: ref('SessionInfo'), ...problems(400, 401, 415, 429) },
      },
    },
    async (request, reply) => {
      if (!(request.headers['content-type'] ?? '').startsWith('application/json')) {
        throw new HttpProblem(415, 'UnsupportedMediaType', '请以 application/json 提交');
      }
      const { name, password } = request.body as { name: string; password: string };
      const user = await login(request, name, password);
      if (!user) throw new HttpProblem(401, 'BadCredentials', '用户名或密码不正确');
      await request.session.regenerate();
      request.session.userId = user.id;
      request.session.userName = user.name;
      request.session.role = user.role;
      request.user = user;
      return reply.send({ user: publicUser(user), csrfToken: csrfToken(request, reply) });
    },
  );

  app.get(
    '/api/session',
    {
      preHandler: requireUser,
      schema: {
        tags: ['session'],
        summary: '当前登录的账号，以及新的 csrfToken',
        security: [{ session: [] }],
        response: { 200: ref('SessionInfo'), ...problems(401) },
      },
    },
    async (request, reply) => reply.send({ user: publicUser(request.user!), csrfToken: csrfToken(request, reply) }),
  );

  app.delete(
    '/api/session',
    {
      preHandler: [requireUser, app.csrfProtection],
      schema: {
        tags: ['session'],
        summary: '退出登录',
        security: [{ session: [], csrf: [] }],
        response: { 204: { type: 'null', description: '已退出' }, ...problems(401, 403) },
      },
    },
    async (request, reply) => {
      await request.session.destroy();
      return reply.code(204).send();
    },
  );
}

export function publicUser(user: ConsoleUser) {
  return { name: user.name, displayName: user.displayName, role: user.role };
}
