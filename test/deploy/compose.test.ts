// docker-compose.yml and the Dockerfile: valid, complete, and wired the way the worker expects.
// `docker compose config` is the judge where the Compose plugin is installed; the structural checks
// below run everywhere, so a machine without Docker still catches a broken file.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../worker/config.js';
import { REPO_ROOT } from './worker-process.js';

interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  container_name?: string;
  ports?: unknown[];
  environment?: Record<string, string | number | null>;
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string[] | string; disable?: boolean };
  restart?: string;
  stop_grace_period?: string;
}

const composeFile = path.join(REPO_ROOT, 'docker-compose.yml');
const compose = parse(readFileSync(composeFile, 'utf8'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;

/** What an operator must set: compose refuses to start without these. */
const SECRETS = {
  LINK_SECRET: 'operator-chosen-link-secret-0123456789abcdef',
  SESSION_SECRET: 'operator-chosen-session-secret-0123456789abcdef',
};

/** Compose's ${NAME:-default} / ${NAME-default} / ${NAME} / ${NAME:?error}: the defaults, or the error of an unset required one. */
function interpolate(value: string, env: Record<string, string> = SECRETS): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?:(:?-|:\?)([^}]*))?\}/g, (_, name: string, kind?: string, fallback?: string) => {
    if (env[name] !== undefined && !(kind?.startsWith(':') && env[name] === '')) return env[name];
    if (kind === ':?') throw new Error(`${name}: ${fallback}`);
    return fallback ?? '';
  });
}

function environmentOf(name: string, env: Record<string, string> = SECRETS): Record<string, string> {
  const raw = services[name].environment ?? {};
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, interpolate(String(v ?? ''), env)]));
}

function dependsOn(name: string): Record<string, string> {
  const deps = services[name].depends_on;
  expect(Array.isArray(deps), `${name}.depends_on must name a condition for each service`).toBe(false);
  return Object.fromEntries(Object.entries((deps ?? {}) as Record<string, { condition: string }>).map(([k, v]) => [k, v.condition]));
}

function dockerCompose(): 'plugin' | 'standalone' | undefined {
  if (spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0) return 'plugin';
  if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0) return 'standalone';
  return undefined;
}

describe('docker-compose.yml', () => {
  const tool = dockerCompose();

  it.runIf(tool)('passes `docker compose config -q`', () => {
    const [command, args] = tool === 'plugin' ? ['docker', ['compose']] : ['docker-compose', []];
    const run = (env: Record<string, string>) =>
      spawnSync(command, [...args, '-f', composeFile, 'config', '-q'], { encoding: 'utf8', cwd: REPO_ROOT, env: { ...clean, ...env } });
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(LINK|SESSION)_SECRET$/.test(k))) as Record<string, string>;
    const result = run(SECRETS);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    // No secret, no stack: compose names the variable.
    const without = run({ SESSION_SECRET: SECRETS.SESSION_SECRET });
    expect(without.status).not.toBe(0);
    expect(without.stderr).toContain('LINK_SECRET');
  });

  it('ships no default secret: the worker and the console get LINK_SECRET and SESSION_SECRET only from the operator', () => {
    const text = readFileSync(composeFile, 'utf8');
    expect(text).not.toContain('local-trial-only-link-secret');
    for (const [service, variables] of [['worker', ['LINK_SECRET']], ['console', ['LINK_SECRET', 'SESSION_SECRET']]] as const) {
      for (const variable of variables) {
        expect(String(services[service].environment?.[variable]), `${service}.${variable}`).toMatch(new RegExp(`^\\$\\{${variable}:\\?.*${variable}`));
        const env: Record<string, string> = { ...SECRETS };
        delete env[variable];
        expect(() => environmentOf(service, env), `${service} without ${variable}`).toThrow(variable);
      }
    }
    // The old default is refused by the worker even when set by hand.
    expect(() => loadConfig({ ...environmentOf('worker'), LINK_SECRET: 'local-trial-only-link-secret-change-me-0123456789' })).toThrow(/LINK_SECRET.*公开默认值/);
  });

  it('has every service of the system, each image pinned', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['app-db', 'console', 'mailpit', 'temporal', 'temporal-db', 'temporal-namespace', 'temporal-schema', 'temporal-ui', 'worker'].sort(),
    );
    for (const [name, service] of Object.entries(services)) {
      expect(service.image, name).toBeTruthy();
      if (service.build) continue; // our own image, tagged by CHUANGWEN_TAG
      expect(service.image, `${name} must pin a version`).toMatch(/:[^:]*\d[^:]*$/);
      expect(service.image, name).not.toMatch(/:latest$/);
    }
    expect(services.temporal.image).toMatch(/^temporalio\/server:/);
    expect(services['temporal-schema'].image).toMatch(/^temporalio\/admin-tools:/);
    expect(services['temporal-ui'].image).toMatch(/^temporalio\/ui:/);
    expect(services.mailpit.image).toMatch(/^axllent\/mailpit:/);
  });

  it('health-checks every long-running service, and starts each after what it needs', () => {
    const jobs = ['temporal-schema', 'temporal-namespace'];
    for (const [name, service] of Object.entries(services)) {
      if (jobs.includes(name)) {
        expect(service.restart, `${name} is a one-shot job`).toBe('no');
        continue;
      }
      expect(service.healthcheck?.test, `${name} needs a healthcheck`).toBeTruthy();
      expect(service.healthcheck?.disable).not.toBe(true);
    }
    expect(dependsOn('temporal-schema')).toEqual({ 'temporal-db': 'service_healthy' });
    expect(dependsOn('temporal')).toEqual({ 'temporal-schema': 'service_completed_successfully' });
    expect(dependsOn('temporal-namespace')).toEqual({ temporal: 'service_healthy' });
    expect(dependsOn('temporal-ui')).toEqual({ temporal: 'service_healthy' });
    expect(dependsOn('worker')).toEqual({
      'app-db': 'service_healthy',
      'temporal-namespace': 'service_completed_successfully',
      mailpit: 'service_healthy',
    });
    expect(dependsOn('console')).toMatchObject({
      'app-db': 'service_healthy',
      'temporal-namespace': 'service_completed_successfully',
      worker: 'service_healthy',
    });
  });

  it('lets the worker scale: no container_name, no host ports, a grace period longer than its own', () => {
    const worker = services.worker;
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports).toBeUndefined();
    for (const [name, service] of Object.entries(services)) expect(service.container_name, name).toBeUndefined();
    const env = environmentOf('worker');
    expect(parseInt(worker.stop_grace_period!, 10)).toBeGreaterThan(Number(env.WORKER_SHUTDOWN_GRACE_SECONDS) + 5);
    expect(JSON.stringify(worker.healthcheck!.test)).toContain(`127.0.0.1:${env.HEALTH_PORT}/healthz`);
  });

  it('runs the worker with the image’s command and a configuration the worker accepts', () => {
    const dockerfile = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(services.worker.command).toEqual(JSON.parse(cmd!));
    expect(services.worker.command).toEqual(['node', '--import', 'tsx', 'worker/main.ts']);
    const config = loadConfig(environmentOf('worker'));
    expect(config.temporal.address).toBe('temporal:7233');
    expect(config.databaseUrl).toMatch(/@app-db:5432\/chuangwen$/);
    expect(config.smtpUrl).toMatch(/@mailpit:1025$/);
    // The app database the worker is given is the one app-db creates.
    const db = environmentOf('app-db');
    expect(config.databaseUrl).toBe(`postgres://${db.POSTGRES_USER}:${db.POSTGRES_PASSWORD}@app-db:5432/${db.POSTGRES_DB}`);
  });

  it('starts the console with `npm run console` on PORT, health-checked on /healthz', () => {
    const consoleService = services.console;
    expect(consoleService.command).toEqual(['npm', 'run', '--silent', 'console']);
    const env = environmentOf('console');
    expect(env.PORT).toBe('3000');
    expect(JSON.stringify(consoleService.healthcheck!.test)).toContain('127.0.0.1:3000/healthz');
    expect(env.DATABASE_URL).toBe(environmentOf('worker').DATABASE_URL);
    expect(env.LINK_SECRET).toBe(environmentOf('worker').LINK_SECRET);
    expect(env.SESSION_SECRET).toBe(SECRETS.SESSION_SECRET);
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
  const stages = [...dockerfile.matchAll(/^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/gim)].map((m) => ({ image: m[1], name: m[2] }));

  it('builds in stages from a slim Node 20 image, with npm ci and the workflow bundle', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const base = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1] ?? '';
    expect(base).toMatch(/^node:20[\d.]*-(bookworm-)?slim$/);
    expect(stages.every((s) => s.image === '${NODE_IMAGE}')).toBe(true);
    expect(dockerfile).toMatch(/RUN .*npm ci\b/);
    expect(dockerfile).toMatch(/RUN npm run build/);
    expect(dockerfile).toMatch(/WORKFLOW_BUNDLE_PATH=\/app\/dist\/workflow-bundle\.js/);
  });

  it('runs as a user other than root', () => {
    const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const user = /^USER\s+(\S+)/m.exec(finalStage)?.[1];
    expect(user).toBeTruthy();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
  });

  it('keeps secrets, dependencies and build output out of the build context', () => {
    const ignored = readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const entry of ['.git', 'node_modules', 'dist', 'data', 'tools', '.env']) expect(ignored).toContain(entry);
  });
});
