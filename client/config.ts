// Where the services are: the environment first, else what a running `npm start` wrote down.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

export function dataDir(): string {
  return path.resolve(process.env.CHUANGWEN_DATA_DIR ?? path.join(REPO_ROOT, 'data'));
}

/** What the embedded stack publishes while it runs, for the CLI and the console of the same machine. */
export interface RuntimeInfo {
  temporalAddress: string;
  temporalUiUrl?: string;
  databaseUrl: string;
  smtpUrl: string;
  pid: number;
}

export function runtimeInfoPath(): string {
  return path.join(dataDir(), 'runtime.json');
}

export function readRuntimeInfo(): RuntimeInfo | undefined {
  const file = runtimeInfoPath();
  if (!existsSync(file)) return undefined;
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as RuntimeInfo;
    process.kill(info.pid, 0); // still running?
    return info;
  } catch {
    return undefined;
  }
}

export interface Endpoints {
  temporalAddress: string;
  namespace: string;
  databaseUrl?: string;
}

export function endpoints(): Endpoints {
  const runtime = readRuntimeInfo();
  return {
    temporalAddress: process.env.TEMPORAL_ADDRESS ?? runtime?.temporalAddress ?? 'localhost:7233',
    namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
    databaseUrl: process.env.DATABASE_URL ?? runtime?.databaseUrl,
  };
}
