// Accounts and sessions: login (rate limited), logout, and the role checks every route uses.
import argon2 from 'argon2';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { findUserById, findUserByName, recordLogin, type UserRole } from '../../db/users.js';
import { HttpProblem } from '../api/actions.js';
import { problems, ref } from '../api/schemas.js';
import { page } from './views.js';

export interface ConsoleUser {
  id: number;
  name: string;
  displayName: string;
  role: UserRole;
}

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

/** preHandler: a logged-in administrator or leader; pages send others to the login page. */
export async function requireUser(request: FastifyRequest, reply: FastifyReply) {
  if (request.user) return;
  if (isApi(request)) throw new HttpProblem(401, 'Unauthenticated', '请先登录');
  return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
}

/** preHandler: an administrator; leaders read but do not act. */
export async function requireAdmin(request: FastifyRequest, reply: FastifyReply) {
  if (!request.user) return requireUser(request, reply);
  if (request.user.role !== 'admin') throw new HttpProblem(403, 'Forbidden', '领导账号只能查看，不能执行此操作');
}

/** Only a local path is followed after login. */
function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])/.test(next) && !next.startsWith('/login') ? next : '/';
}

export function registerAuthRoutes(app: FastifyInstance, options: { loginRateLimit: { max: number; timeWindowMs: number } }) {
  const rateLimit = {
    max: options.loginRateLimit.max,
    timeWindow: options.loginRateLimit.timeWindowMs,
    errorResponseBuilder: () => ({ statusCode: 429, code: 'TooManyRequests', message: '登录尝试过于频繁，请一分钟后再试' }),
  };

  app.get('/login', async (request, reply) => {
    if (request.user) return reply.redirect(safeNext((request.query as { next?: string }).next), 303);
    return page(app, request, reply, 'login', { title: '登录', bare: true }, { next: safeNext((request.query as { next?: string }).next) });
  });

  app.post(
    '/login',
    { config: { rateLimit }, preHandler: app.csrfProtection },
    async (request, reply) => {
      const body = (request.body ?? {}) as Record<string, unknown>;
      const user = await checkPassword(app, String(body.name ?? ''), String(body.password ?? ''));
      const next = safeNext(body.next);
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
      config: { rateLimit },
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
      const user = await checkPassword(app, name, password);
      if (!user) throw new HttpProblem(401, 'BadCredentials', '用户名或密码不正确');
      await request.session.regenerate();
      request.session.userId = user.id;
      request.session.userName = user.name;
      request.session.role = user.role;
      request.user = user;
      return reply.send({ user: publicUser(user), csrfToken: reply.generateCsrf() });
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
    async (request, reply) => reply.send({ user: publicUser(request.user!), csrfToken: reply.generateCsrf() }),
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
