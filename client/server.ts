// The web console, its JSON API and the unit portal, in one Fastify server.
//
//   /            console pages (administrators; leaders read only), Chinese, server-rendered
//   /u/:token    the unit portal: a signed link from an email, scoped to one task and one unit
//   /api/...     the JSON API, described at /api/openapi.json
//   /healthz     liveness and readiness (database and Temporal)
import formbody from '@fastify/formbody';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import session from '@fastify/session';
import swagger from '@fastify/swagger';
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Db } from '../db/pool.js';
import { deleteExpiredSessions, deleteSession, readSession, writeSession, type UserRole } from '../db/users.js';
import { HttpProblem, problemFrom } from './api/actions.js';
import { registerApiRoutes } from './api/routes.js';
import { registerSchemas } from './api/schemas.js';
import { registerAuthRoutes, loadUser, type ConsoleUser } from './web/auth.js';
import { registerPageRoutes } from './web/pages.js';
import { registerPortalRoutes } from './web/portal.js';
import { registerStaticRoutes } from './web/static.js';
import { renderErrorPage } from './web/views.js';

export interface ConsoleServerOptions {
  db: Db;
  temporal: Client;
  /** Where people reach the console, e.g. https://chuangwen.example.org — used in links. */
  publicUrl: string;
  /** Signs the units' links (HMAC); at least 16 characters. */
  linkSecret: string;
  /** Signs the session cookie; at least 32 characters. */
  sessionSecret: string;
  /** Shows the mailbox of the embedded SMTP sink (only when mail goes there). */
  mailboxEnabled: boolean;
  /** "Now" for deadlines and the dashboard; the simulation passes its own clock. Default: the wall clock. */
  clock?: () => Date | Promise<Date>;
  /** Login attempts allowed per client address and window (default 10 a minute). */
  loginRateLimit?: { max: number; timeWindowMs: number };
  /** Fastify's logger option (default: warnings and errors). */
  logger?: boolean | { level: string };
  /** Trust X-Forwarded-* from a reverse proxy in front (default false). */
  trustProxy?: boolean;
}

export interface ConsoleContext {
  db: Db;
  temporal: Client;
  publicUrl: string;
  linkSecret: string;
  mailboxEnabled: boolean;
  now(): Promise<Date>;
}

declare module 'fastify' {
  interface FastifyInstance {
    console: ConsoleContext;
  }
  interface FastifyRequest {
    user?: ConsoleUser;
  }
  interface Session {
    userId?: number;
    userName?: string;
    role?: UserRole;
    _csrf?: string;
  }
}

const SESSION_HOURS = 12;

/** A PostgreSQL store for @fastify/session, so several console processes share sessions. */
class PgSessionStore {
  constructor(private readonly db: Db) {}
  set(id: string, data: unknown, callback: (error?: unknown) => void): void {
    const cookieData = (data as { cookie?: { expires?: Date | string | null } }).cookie;
    const expires = cookieData?.expires ? new Date(cookieData.expires) : new Date(Date.now() + SESSION_HOURS * 3600_000);
    writeSession(this.db, id, data, expires).then(() => callback(), callback);
  }
  get(id: string, callback: (error: unknown, data?: never | null) => void): void {
    readSession(this.db, id).then((data) => callback(null, (data ?? null) as never), (error) => callback(error));
  }
  destroy(id: string, callback: (error?: unknown) => void): void {
    deleteSession(this.db, id).then(() => callback(), callback);
  }
}

export function createConsoleServer(options: ConsoleServerOptions): FastifyInstance {
  if (!options.sessionSecret || options.sessionSecret.length < 32) throw new Error('SESSION_SECRET 至少需要 32 个字符');
  if (!options.linkSecret || options.linkSecret.length < 16) throw new Error('LINK_SECRET 至少需要 16 个字符');
  const publicUrl = options.publicUrl.replace(/\/+$/, '');
  const secure = publicUrl.startsWith('https://');

  const app = Fastify({
    logger: options.logger ?? { level: 'warn' },
    trustProxy: options.trustProxy ?? false,
    bodyLimit: 2 * 1024 * 1024,
    // Unit links carry a signed token in the path.
    routerOptions: { maxParamLength: 1024 },
    ajv: { customOptions: { allErrors: false, coerceTypes: 'array', removeAdditional: false } },
  });
  const clock = options.clock ?? (() => new Date());
  app.decorate('console', {
    db: options.db,
    temporal: options.temporal,
    publicUrl,
    linkSecret: options.linkSecret,
    mailboxEnabled: options.mailboxEnabled,
    now: async () => clock(),
  } satisfies ConsoleContext);
  app.decorateRequest('user', undefined);

  app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'chuangwen 创建文明城市工作引擎 API',
        version: '1.0.0',
        description:
          '控制台所做的一切都可以通过本 API 完成。管理员与领导账号先 POST /api/session 登录（Cookie 会话），' +
          '修改类请求需在 x-csrf-token 头中带上登录时返回的 csrfToken。责任单位使用邮件中的签名链接令牌访问 /api/portal/{token}。',
      },
      servers: [{ url: publicUrl }],
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'chuangwen.sid' },
          csrf: { type: 'apiKey', in: 'header', name: 'x-csrf-token' },
        },
      },
      tags: [
        { name: 'session', description: '登录与会话' },
        { name: 'campaigns', description: '创建活动' },
        { name: 'tasks', description: '整治任务' },
        { name: 'notices', description: '通知登记' },
        { name: 'assessments', description: '测评与绩效' },
        { name: 'mailbox', description: '内置邮件接收端' },
        { name: 'plans', description: '实施方案导入' },
        { name: 'portal', description: '责任单位回复（签名链接）' },
        { name: 'health', description: '健康检查' },
      ],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    transform: ({ schema, url }) => {
      const keep = url.startsWith('/api/') || url === '/healthz';
      return { schema: keep ? schema : { ...(schema ?? {}), hide: true }, url };
    },
  });
  registerSchemas(app);

  app.register(cookie);
  app.register(session, {
    secret: options.sessionSecret,
    cookieName: 'chuangwen.sid',
    saveUninitialized: false,
    rolling: false,
    store: new PgSessionStore(options.db),
    cookie: { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: SESSION_HOURS * 3600_000 },
  });
  app.register(formbody, { bodyLimit: 2 * 1024 * 1024 });
  app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fileSize: 20 * 1024 * 1024, files: 5, fields: 20, fieldSize: 2 * 1024 * 1024, parts: 30 },
    throwFileSizeLimit: true,
    async onFile(part) {
      const data = await part.toBuffer();
      (part as unknown as { value: unknown }).value = { fileName: part.filename, mimeType: part.mimetype, data };
    },
  });
  app.register(csrf, {
    sessionPlugin: '@fastify/session',
    getToken: (request: FastifyRequest) => {
      const body = request.body as Record<string, unknown> | undefined;
      const header = request.headers['x-csrf-token'] ?? request.headers['csrf-token'];
      if (body && typeof body._csrf === 'string') return body._csrf;
      return typeof header === 'string' ? header : undefined;
    },
  });
  app.register(rateLimit, { global: false });

  app.register(async (scoped) => {
    scoped.addHook('onRequest', async (request, reply) => {
      reply.header('X-Content-Type-Options', 'nosniff');
      reply.header('Referrer-Policy', 'same-origin');
      reply.header('X-Frame-Options', 'DENY');
      reply.header(
        'Content-Security-Policy',
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
      );
    });
    scoped.addHook('preHandler', async (request) => {
      if (request.session?.userId) request.user = await loadUser(scoped, request);
    });

    scoped.setErrorHandler(async (error: unknown, request, reply) => errorReply(scoped, error, request, reply));
    scoped.setNotFoundHandler(async (request, reply) =>
      errorReply(scoped, new HttpProblem(404, 'NotFound', '页面不存在'), request, reply),
    );

    registerStaticRoutes(scoped);
    registerAuthRoutes(scoped, { loginRateLimit: options.loginRateLimit ?? { max: 10, timeWindowMs: 60_000 } });
    registerPageRoutes(scoped);
    registerPortalRoutes(scoped);
    registerApiRoutes(scoped);

    scoped.get(
      '/healthz',
      {
        schema: {
          tags: ['health'],
          summary: '健康检查',
          response: {
            200: { $ref: 'Health#' },
            503: { $ref: 'Health#' },
          },
        },
      },
      async (_request, reply) => {
        const checks = { database: false, temporal: false };
        try {
          await options.db.query('SELECT 1');
          checks.database = true;
        } catch {
          // reported below
        }
        try {
          await withTimeout(options.temporal.workflowService.getSystemInfo({}), 3000);
          checks.temporal = true;
        } catch {
          // reported below
        }
        const ok = checks.database && checks.temporal;
        return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', ...checks });
      },
    );
  });

  // Expired sessions go away now and then.
  const sweeper = setInterval(() => void deleteExpiredSessions(options.db).catch(() => undefined), 3600_000);
  sweeper.unref();
  app.addHook('onClose', async () => clearInterval(sweeper));
  return app;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

const isApi = (request: FastifyRequest) => request.url.startsWith('/api/') || request.url === '/healthz';

/** One place where failures become answers: JSON for the API, a Chinese page for people. */
async function errorReply(app: FastifyInstance, error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const problem = problemFrom(error) ?? fromFastifyError(error);
  if (!problem) {
    request.log.error(error);
  }
  const answer = problem ?? new HttpProblem(500, 'InternalError', '服务器内部错误，请稍后重试');
  reply.code(answer.statusCode);
  if (answer.statusCode === 429) reply.header('Retry-After', '60');
  if (isApi(request)) {
    return reply.send({
      error: answer.code,
      message: answer.message,
      ...(answer.problems ? { problems: answer.problems } : {}),
    });
  }
  return reply.type('text/html; charset=utf-8').send(await renderErrorPage(app, request, reply, answer));
}

function fromFastifyError(error: unknown): HttpProblem | undefined {
  const e = error as { statusCode?: number; code?: string; message?: string; validation?: unknown };
  if (!e || typeof e !== 'object' || !e.statusCode || e.statusCode >= 500) return undefined;
  switch (e.code) {
    case 'FST_CSRF_INVALID_TOKEN':
    case 'FST_CSRF_MISSING_SECRET':
      return new HttpProblem(403, 'CsrfInvalid', '页面已过期或来源不明（CSRF 校验失败），请刷新页面后重试');
    case 'FST_REQ_FILE_TOO_LARGE':
      return new HttpProblem(413, 'FileTooLarge', '文件过大：单个文件不能超过 20 MB');
    case 'FST_FILES_LIMIT':
    case 'FST_PARTS_LIMIT':
      return new HttpProblem(413, 'TooManyFiles', '一次上传的文件过多（最多 5 个）');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpProblem(413, 'BodyTooLarge', '提交的内容过大');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HttpProblem(415, 'UnsupportedMediaType', '不支持的内容类型');
  }
  if (e.statusCode === 429) return new HttpProblem(429, 'TooManyRequests', e.message || '尝试次数过多，请稍后再试');
  if (e.validation) return new HttpProblem(400, 'BadRequest', `请求格式有误：${e.message ?? ''}`);
  if (e.statusCode === 404) return new HttpProblem(404, 'NotFound', '页面不存在');
  return new HttpProblem(e.statusCode, e.code ?? 'BadRequest', e.message ?? '请求有误');
}

/** Starts the console on a port; resolves when it listens. */
export async function startConsoleServer(
  options: ConsoleServerOptions & { port: number; host?: string },
): Promise<{ url: string; app: FastifyInstance; close(): Promise<void> }> {
  const { port, host = '127.0.0.1', ...rest } = options;
  const app = createConsoleServer(rest);
  await app.listen({ port, host });
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return { url: `http://${shownHost}:${actualPort}`, app, close: () => app.close() };
}
