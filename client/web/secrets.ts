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
