// The console under test: a test database, the time-skipping simulation, the console server on it,
// accounts to log in with, and a check of every API answer against the OpenAPI document it serves.
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, expect } from 'vitest';
import { insertUser, type UserRole } from '../../db/users.js';
import { freePort } from '../../stack/ports.js';
import { startSimulation, type Simulation } from '../../stack/simulation.js';
import { createConsoleServer } from '../../client/server.js';
import { hashPassword } from '../../client/web/auth.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

export const LINK_SECRET = 'test-link-secret-0123456789abcdef';
export const SESSION_SECRET = 'test-session-secret-0123456789abcdef-0123456789';
export const PASSWORD = 'correct horse battery';

export interface Harness {
  database: TestDatabase;
  sim: Simulation;
  app: FastifyInstance;
  /** Where the console listens (with `listen`), else the nominal public URL. */
  url: string;
  stop(): Promise<void>;
}

export async function startHarness(options: { loginRateLimit?: { max: number; timeWindowMs: number }; listen?: boolean } = {}): Promise<Harness> {
  const database = await createTestDatabase();
  const port = options.listen ? await freePort() : 3000;
  const url = `http://127.0.0.1:${port}`;
  const sim = await startSimulation({ db: database.db, links: { publicUrl: url, secret: LINK_SECRET } });
  const app = createConsoleServer({
    db: database.db,
    temporal: sim.env.client,
    publicUrl: url,
    linkSecret: LINK_SECRET,
    sessionSecret: SESSION_SECRET,
    mailboxEnabled: true,
    clock: () => sim.now(),
    loginRateLimit: options.loginRateLimit ?? { max: 1000, timeWindowMs: 60_000 },
    accountLoginLimit: { max: 1000, timeWindowMs: 60_000 },
    // Tests try many refused links from one address; the limits themselves are tried in permissions.test.ts.
    portalRateLimit: { perAddress: { max: 100_000, timeWindowMs: 60_000 }, failedLinks: { max: 100_000, timeWindowMs: 60_000 } },
    logger: { level: 'error' },
  });
  if (options.listen) await app.listen({ port, host: '127.0.0.1' });
  else await app.ready();
  // A worker serves the task queue for the whole file, as in a running system.
  let release!: () => void;
  const worker = sim.withWorker(() => new Promise<void>((resolve) => (release = resolve)));
  return {
    database,
    sim,
    app,
    url,
    async stop() {
      await app.close();
      release();
      await worker;
      await sim.stop();
      await database.drop();
    },
  };
}

export async function addUser(h: Harness, name: string, role: UserRole, displayName = ''): Promise<void> {
  await insertUser(h.database.db, { name, role, displayName, passwordHash: await hashPassword(PASSWORD) });
}

/** Cookies of a response, as one Cookie header. */
export function cookieHeader(response: LightMyRequestResponse, previous = ''): string {
  const jar = new Map(previous ? previous.split('; ').map((c) => c.split('=') as [string, string]) : []);
  for (const c of response.cookies) jar.set(c.name, c.value);
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
}

export interface ApiSession {
  cookie: string;
  csrf: string;
}

export async function apiLogin(h: Harness, name: string, password = PASSWORD): Promise<ApiSession> {
  const response = await h.app.inject({ method: 'POST', url: '/api/session', payload: { name, password } });
  expect(response.statusCode, response.body).toBe(200);
  return { cookie: cookieHeader(response), csrf: response.json().csrfToken };
}

/** The console with its two usual users logged in: administrator 赵明 (zhaoming) and leader 王组长 (wangzu). */
export async function startConsole(): Promise<{ h: Harness; spec: SpecChecker; admin: ApiSession; leader: ApiSession }> {
  const h = await startHarness();
  await addUser(h, 'zhaoming', 'admin', '赵明');
  await addUser(h, 'wangzu', 'leader', '王组长');
  return { h, spec: await new SpecChecker().load(h.app), admin: await apiLogin(h, 'zhaoming'), leader: await apiLogin(h, 'wangzu') };
}

/**
 * startConsole for one test file, stopped after it. Call once at the top of the file:
 * `const { h, spec, admin, leader } = await consoleForFile();`
 */
export async function consoleForFile(): ReturnType<typeof startConsole> {
  const started = await startConsole();
  afterAll(() => started.h.stop());
  return started;
}

/** Checks answers against /api/openapi.json: the document the server itself serves. */
export class SpecChecker {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  private spec!: { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>> };
  checked = 0;

  async load(app: FastifyInstance): Promise<this> {
    const response = await app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(response.statusCode).toBe(200);
    this.spec = response.json();
    addFormats.default(this.ajv);
    this.ajv.addSchema({ ...this.spec, $id: 'openapi.json' });
    return this;
  }

  get document() {
    return this.spec;
  }

  /** Fails unless the response's status is documented for the route and its JSON body matches the schema. */
  check(method: string, route: string, response: LightMyRequestResponse): void {
    const openapiPath = route.replace(/:([A-Za-z]+)/g, '{$1}');
    const operation = this.spec.paths[openapiPath]?.[method.toLowerCase()];
    expect(operation, `${method} ${openapiPath} is not in the OpenAPI document`).toBeDefined();
    const documented = operation!.responses[String(response.statusCode)];
    expect(documented, `${method} ${openapiPath} answered ${response.statusCode}, which is not documented: ${response.body}`).toBeDefined();
    const content = documented.content ?? {};
    const type = String(response.headers['content-type'] ?? '').split(';')[0];
    if (type !== 'application/json') {
      if (response.statusCode === 204) return;
      expect(Object.keys(content), `${method} ${openapiPath} answered ${type}`).toContain(type);
      this.checked++;
      return;
    }
    expect(content['application/json'], `${method} ${openapiPath} ${response.statusCode} has no JSON schema`).toBeDefined();
    const pointer = `openapi.json#/paths/${openapiPath.replace(/~/g, '~0').replace(/\//g, '~1')}/${method.toLowerCase()}/responses/${response.statusCode}/content/application~1json/schema`;
    const validate = this.ajv.getSchema(pointer) ?? this.ajv.compile({ $ref: pointer });
    const body = response.json();
    const ok = validate(body);
    expect(ok, `${method} ${openapiPath} ${response.statusCode} does not match the document: ${JSON.stringify(validate.errors, null, 1)}\n${JSON.stringify(body).slice(0, 2000)}`).toBe(true);
    this.checked++;
  }
}

export interface ApiCall {
  as?: ApiSession;
  body?: unknown;
  payload?: Buffer;
  headers?: Record<string, string>;
  /** Send the session's CSRF token on a write (default true). */
  csrf?: boolean;
  /** The route as the OpenAPI document names it (default: the URL without its query). */
  route?: string;
  /** A page, not in the OpenAPI document: its answer is not checked against it. */
  page?: boolean;
}

/** One API call as a session makes it; its answer is checked against the OpenAPI document. */
export async function callApi(h: Harness, spec: SpecChecker, method: 'GET' | 'POST' | 'DELETE', url: string, options: ApiCall = {}) {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.as) headers.cookie = options.as.cookie;
  if (options.as && options.csrf !== false && method !== 'GET') headers['x-csrf-token'] = options.as.csrf;
  const response = await h.app.inject({
    method,
    url,
    headers,
    ...(options.payload ? { payload: options.payload } : options.body !== undefined ? { payload: options.body as object } : {}),
  });
  if (!options.page) spec.check(method, options.route ?? url.split('?')[0], response);
  return response;
}

/** A multipart/form-data body: fields, then files (each under `field`, default "files"). */
export function multipart(fields: Record<string, string>, files: { field?: string; name: string; type: string; data: Buffer }[]) {
  const boundary = `----chuangwen${randomBytes(8).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  for (const f of files) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${f.field ?? 'files'}"; filename="${f.name}"\r\nContent-Type: ${f.type}\r\n\r\n`));
    parts.push(f.data, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
