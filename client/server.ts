// The web console, its JSON API and the unit portal, in one Fastify server.
//
//   /            console pages (administrators; leaders read only), Chinese, server-rendered
//   /u/:token    the unit portal: a signed link from an email, scoped to one task and one unit
//   /l/:code     an SMS's short link: redirects to its /u/ link (web/short-links.ts)
//   /api/...     the JSON API, described at /api/openapi.json
//   /healthz     liveness and readiness (database and Temporal)
import { createHmac } from 'node:crypto';
import formbody from '@fastify/formbody';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import session from '@fastify/session';
import swagger from '@fastify/swagger';
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { pingDatabase, type Db } from '../db/pool.js';
import { MAX_EVIDENCE_FILES } from '../domain/task-state.js';
import { deleteExpiredSessions, deleteOldLoginFailures, deleteSession, readSession, writeSession } from '../db/users.js';
import { HttpProblem, problemFrom } from './api/problems.js';
import { registerApiRoutes } from './api/routes.js';
import { registerSchemas } from './api/schemas.js';
import { registerAuthRoutes, loadUser } from './web/auth.js';
import type { ConsoleContext } from './context.js';
import { registerCsrf } from './web/csrf.js';
import { registerDirectoryRoutes } from './web/directory.js';
import { registerInspectionRoutes } from './web/inspections.js';
import { registerPortalPointRoutes } from './web/portal-points.js';
import { registerEditorRoutes } from './web/editor.js';
import { registerPageRoutes } from './web/pages.js';
import { registerPortalRoutes } from './web/portal.js';
import { registerShortLinkRoutes } from './web/short-links.js';
import { registerStaticRoutes } from './web/static.js';
import { checkSecret } from './web/secrets.js';
import { renderErrorPage } from './web/views.js';

export interface ConsoleServerOptions {
  db: Db;
  temporal: Client;
  /** Where people reach the console, e.g. https://chuangwen.example.org — used in links. */
  publicUrl: string;
  /** Signs the units' links (HMAC); at least 32 bytes, never a value once shipped as a default. */
  linkSecret: string;
  /** Signs the session cookie; at least 32 bytes, never a value once shipped as a default. */
  sessionSecret: string;
  /** Shows the mailbox of the embedded SMTP sink (only when mail goes there). */
  mailboxEnabled: boolean;
  /** "Now" for deadlines and the dashboard; the simulation passes its own clock. Default: the wall clock. */
  clock?: () => Date | Promise<Date>;
  /** Login attempts allowed per client address and window, /login and /api/session together (default 10 a minute). */
  loginRateLimit?: { max: number; timeWindowMs: number };
  /** Failed logins allowed per account name and window, shared by every console process (default 5 in 15 minutes). */
  accountLoginLimit?: { max: number; timeWindowMs: number };
  /**
   * The unit portal's limits per client address, beside the one per link: requests (default 600 a
   * minute) and refused links (default 20 in 10 minutes; then the address is refused until the window passes).
   */
  portalRateLimit?: { perAddress?: { max: number; timeWindowMs: number }; failedLinks?: { max: number; timeWindowMs: number } };
  /** Fastify's logger option (default: warnings and errors). */
  logger?: boolean | { level: string };
  /**
   * The reverse proxies whose X-Forwarded-For / -Proto are believed: addresses and CIDR ranges
   * (TRUST_PROXY, see web/trust-proxy.ts). Default: none, the peer's address is the client's.
   */
  trustProxy?: false | string[];
}

const SESSION_HOURS = 12;

/** Every route of a console server, as it was registered (method and URL), for the permission tests. */
const ROUTES = new WeakMap<FastifyInstance, { method: string; url: string }[]>();
export function consoleRoutes(app: FastifyInstance): { method: string; url: string }[] {
  return [...(ROUTES.get(app) ?? [])];
}

const isPortal = (request: FastifyRequest) => ['/u/', '/l/', '/api/portal/'].some((prefix) => request.url.startsWith(prefix));
/** A refusal of the link itself (bad, expired, superseded), not of what a valid link asked for. */
const isLinkFailure = (problem: HttpProblem) => problem.code.startsWith('Link') || problem.statusCode === 410;

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
  checkSecret('SESSION_SECRET', options.sessionSecret);
  checkSecret('LINK_SECRET', options.linkSecret);
  const publicUrl = options.publicUrl.replace(/\/+$/, '');
  const secure = publicUrl.startsWith('https://');

  const app = Fastify({
    logger: options.logger ?? { level: 'warn' },
    trustProxy: options.trustProxy && options.trustProxy.length > 0 ? options.trustProxy : false,
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
  const routes: { method: string; url: string }[] = [];
  ROUTES.set(app, routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url });
  });

  app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'chuangwen 创建文明城市工作引擎 API',
        version: '1.0.0',
        description:
          '控制台所做的一切都可以通过本 API 完成。管理员与领导账号先 POST /api/session 登录（Cookie 会话：chuangwen.sid 与 chuangwen.csrf，请一并带回），' +
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

  // Signs the CSRF cookie; the session plugin signs its own cookie with the session secret itself.
  app.register(cookie, { secret: createHmac('sha256', options.sessionSecret).update('chuangwen/cookie').digest('base64') });
  app.register(session, {
    secret: options.sessionSecret,
    cookieName: 'chuangwen.sid',
    saveUninitialized: false,
    rolling: false,
    store: new PgSessionStore(options.db),
    cookie: { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: SESSION_HOURS * 3600_000 },
  });
  app.register(formbody, { bodyLimit: 2 * 1024 * 1024 });
  // Multipart bodies are taken only by the upload routes (web/uploads.ts), after their checks.
  registerCsrf(app, { secret: options.sessionSecret, secure });
  app.register(rateLimit, { global: false });

  app.register(async (scoped) => {
    const portalLimits = options.portalRateLimit ?? {};
    const perAddress = portalLimits.perAddress ?? { max: 600, timeWindowMs: 60_000 };
    const failedLinks = portalLimits.failedLinks ?? { max: 20, timeWindowMs: 10 * 60_000 };
    const portalRequests = scoped.createRateLimit({ max: perAddress.max, timeWindow: perAddress.timeWindowMs, keyGenerator: (r) => `portal:${r.ip}` });
    const portalFailures = scoped.createRateLimit({ max: failedLinks.max, timeWindow: failedLinks.timeWindowMs, keyGenerator: (r) => `portal-failed:${r.ip}` });

    scoped.addHook('onRequest', async (request, reply) => {
      reply.header('X-Content-Type-Options', 'nosniff');
      reply.header('Referrer-Policy', 'same-origin');
      reply.header('X-Frame-Options', 'DENY');
      reply.header(
        'Content-Security-Policy',
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
      );
      if (secure) reply.header('Strict-Transport-Security', 'max-age=31536000');
      // Pages and answers carry the record: no copy in any cache (the static assets say otherwise).
      reply.header('Cache-Control', 'no-store');
      // The account is known before any body is read, so that upload routes check it first.
      if (request.session?.userId) request.user = await loadUser(scoped, request);
      if (isPortal(request)) {
        // Per address as well as per link: made-up links are limited too, and an address that
        // keeps presenting bad links is refused for a while.
        const failures = await portalFailures(request, { increment: false });
        if (!failures.isAllowed && failures.remaining === 0) {
          reply.header('Retry-After', String(failures.ttlInSeconds));
          throw new HttpProblem(429, 'TooManyFailedLinks', '该网络地址提交的无效链接过多，请稍后再试；请使用邮件中的原始链接');
        }
        const requests = await portalRequests(request);
        if (!requests.isAllowed && requests.isExceeded) {
          reply.header('Retry-After', String(requests.ttlInSeconds));
          throw new HttpProblem(429, 'TooManyRequests', '请求过于频繁，请稍后再试');
        }
      }
    });

    scoped.setErrorHandler(async (error: unknown, request, reply) => {
      const problem = problemFrom(error);
      if (problem && isPortal(request) && isLinkFailure(problem)) await portalFailures(request);
      return errorReply(scoped, error, request, reply);
    });
    scoped.setNotFoundHandler(async (request, reply) =>
      errorReply(scoped, new HttpProblem(404, 'NotFound', '页面不存在'), request, reply),
    );

    registerStaticRoutes(scoped);
    registerAuthRoutes(scoped, {
      perAddress: options.loginRateLimit ?? { max: 10, timeWindowMs: 60_000 },
      perAccount: options.accountLoginLimit ?? { max: 5, timeWindowMs: 15 * 60_000 },
    });
    registerPageRoutes(scoped);
    registerDirectoryRoutes(scoped);
    registerInspectionRoutes(scoped);
    registerEditorRoutes(scoped);
    registerPortalRoutes(scoped);
    registerPortalPointRoutes(scoped);
    registerShortLinkRoutes(scoped);
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
          await pingDatabase(options.db);
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
  const sweeper = setInterval(() => {
    void deleteExpiredSessions(options.db).catch(() => undefined);
    void deleteOldLoginFailures(options.db, 24 * 3600_000).catch(() => undefined);
  }, 3600_000);
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
  if (answer.statusCode === 429 && !reply.hasHeader('Retry-After')) reply.header('Retry-After', '60');
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
      return new HttpProblem(413, 'TooManyFiles', `一次上传的文件过多（最多 ${MAX_EVIDENCE_FILES} 个）`);
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
