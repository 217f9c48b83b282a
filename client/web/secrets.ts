// The console's secrets: from the environment, else kept in the data folder (created once, mode 0600),
// so a restart keeps sessions and every link already mailed keeps working.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface ConsoleSecrets {
  linkSecret: string;
  sessionSecret: string;
  /** Where they came from, for the start-up message. */
  source: 'environment' | string;
}

/** Every value ever shipped as a default secret (docker-compose.yml's old LINK_SECRET): never accepted again. */
export const KNOWN_DEFAULT_SECRETS: readonly string[] = ['local-trial-only-link-secret-change-me-0123456789'];

/** The least length of LINK_SECRET and SESSION_SECRET, in bytes (UTF-8). */
export const MIN_SECRET_BYTES = 32;

/** Why a secret may not be used (in Chinese, without echoing it), or undefined when it may. */
export function secretProblem(value: string | undefined): string | undefined {
  if (!value) return '未设置（必填）';
  if (KNOWN_DEFAULT_SECRETS.includes(value.trim())) return '是曾经随项目发布的公开默认值，任何人都能用它伪造链接或会话，请换成自己生成的随机串（openssl rand -base64 48）';
  if (Buffer.byteLength(value, 'utf8') < MIN_SECRET_BYTES) return `至少 ${MIN_SECRET_BYTES} 个字节（可用 openssl rand -base64 48 生成）`;
  return undefined;
}

/** Throws naming the variable when a secret may not be used. */
export function checkSecret(variable: 'LINK_SECRET' | 'SESSION_SECRET', value: string | undefined): void {
  const problem = secretProblem(value);
  if (problem) throw new Error(`${variable} ${problem}`);
}

export function consoleSecrets(dataDir: string, env: NodeJS.ProcessEnv = process.env): ConsoleSecrets {
  if (env.LINK_SECRET && env.SESSION_SECRET) {
    return { linkSecret: env.LINK_SECRET, sessionSecret: env.SESSION_SECRET, source: 'environment' };
  }
  const file = path.join(dataDir, 'console-secrets.json');
  let stored: { linkSecret?: string; sessionSecret?: string } = {};
  if (existsSync(file)) stored = JSON.parse(readFileSync(file, 'utf8')) as typeof stored;
  if (!stored.linkSecret || !stored.sessionSecret) {
    stored = {
      linkSecret: stored.linkSecret ?? randomBytes(32).toString('base64url'),
      sessionSecret: stored.sessionSecret ?? randomBytes(48).toString('base64url'),
    };
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
  }
  return {
    linkSecret: env.LINK_SECRET ?? stored.linkSecret!,
    sessionSecret: env.SESSION_SECRET ?? stored.sessionSecret!,
    source: file,
  };
}
