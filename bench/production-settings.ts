// The benchmark's workers run with the production worker's settings: the configuration comes from
// worker/config.ts's loadConfig, the same function `npm run worker` (worker/main.ts) starts with, fed
// the benchmark's addresses. Nothing is copied here: the defaults of PG_POOL_MAX and WORKER_* are
// loadConfig's, and setting one of those variables in the environment of `npm run bench` changes the
// benchmark's worker as it would change a production worker.
import { randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '../worker/config.js';

/** Stand-ins for the variables a production worker needs but the benchmark does not measure. */
const PLACEHOLDERS = {
  TEMPORAL_ADDRESS: '127.0.0.1:7233',
  DATABASE_URL: 'postgres://bench@127.0.0.1:5432/bench',
  SMTP_URL: 'smtp://127.0.0.1:25',
  PUBLIC_URL: 'http://127.0.0.1:3000',
};

/** The tuning variables of the environment (PG_POOL_MAX, SMTP_MAX_CONNECTIONS, WORKER_*), passed through as production reads them. */
function tuningEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => k === 'PG_POOL_MAX' || k === 'SMTP_MAX_CONNECTIONS' || k.startsWith('WORKER_')));
}

/** The production worker's configuration for a benchmark stack (a fresh link secret each time). */
export function productionConfig(
  where: { address?: string; databaseUrl?: string; smtpUrl?: string } = {},
  env: NodeJS.ProcessEnv = process.env,
): Config {
  return loadConfig({
    ...tuningEnvironment(env),
    TEMPORAL_ADDRESS: where.address ?? PLACEHOLDERS.TEMPORAL_ADDRESS,
    DATABASE_URL: where.databaseUrl ?? PLACEHOLDERS.DATABASE_URL,
    SMTP_URL: where.smtpUrl ?? PLACEHOLDERS.SMTP_URL,
    PUBLIC_URL: PLACEHOLDERS.PUBLIC_URL,
    LINK_SECRET: randomBytes(48).toString('base64'),
  });
}

/**
 * The SDK options worker/main.ts derives from config.worker for createWorker's `tuning` (the
 * option names of config.worker are the SDK's; the grace period is given in seconds there). The
 * production worker's shutdownForceTime and its identity are left out: they do not act while a
 * worker runs.
 */
export function productionTuning(config: Config) {
  const { shutdownGraceSeconds, ...limits } = config.worker;
  return { ...limits, shutdownGraceTime: shutdownGraceSeconds * 1_000 };
}

/** What the benchmark records about the settings its workers ran with. */
export function productionSettingsRecord(config: Config = productionConfig()) {
  return { source: 'worker/config.ts loadConfig (the production defaults unless PG_POOL_MAX / WORKER_* are set)', pgPoolMax: config.pgPoolMax, smtpMaxConnections: config.smtpMaxConnections, ...productionTuning(config) };
}
