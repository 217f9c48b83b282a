// Load: many units report progress at once through the unit portal's JSON API on loopback
// (POST /api/portal/{token}/progress), spread over many tasks, a bounded number in flight. No
// answer is a server error, and every accepted report is in the event log exactly once.
//
//   LOAD_REQUESTS (default 500), LOAD_TASKS (50), LOAD_CONCURRENCY (50), LOAD_BUDGET_SECONDS (150)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUnitLink } from '../../services/unit-links.js';
import { startCampaign } from '../../client/campaigns.js';
import { startConsoleServer } from '../../client/server.js';
import {
  describeWorker,
  faultCampaign,
  launchHealthyWorker,
  LINK_SECRET,
  Mail,
  startDrill,
  stopDrill,
  stopWorker,
  suiteDatabase,
  TemporalServer,
  terminateAll,
  until,
  type Drill,
} from './support.js';

const positive = (name: string, fallback: number, max: number) => {
  const n = Number(process.env[name] ?? fallback);
  return Number.isInteger(n) && n > 0 ? Math.min(n, max) : fallback;
};
const REQUESTS = positive('LOAD_REQUESTS', 500, 20_000);
const TASKS = positive('LOAD_TASKS', 50, 500);
const CONCURRENCY = positive('LOAD_CONCURRENCY', 50, 200);
const BUDGET_MS = positive('LOAD_BUDGET_SECONDS', 150, 600) * 1000;
const REQUEST_TIMEOUT_MS = 30_000;

let dir: Drill['dir'];
let temporal: TemporalServer;
let clientOf: Drill['clientOf'];
let bundlePath: string;

beforeAll(async () => {
  ({ dir, temporal, clientOf, bundlePath } = await startDrill('load'));
});

afterAll(() => stopDrill({ dir, temporal, clientOf }));

/** A deterministic shuffle (mulberry32), so a failing order can be replayed. */
function shuffled<T>(items: T[], seed: number): T[] {
  let a = seed >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

interface Outcome {
  text: string;
  status: number;
  ms: number;
  body: string;
}

describe('load: unit responses through the HTTP API', () => {
  it(`${REQUESTS} progress reports over ${TASKS} tasks, ${CONCURRENCY} in flight: no 5xx, each recorded once`, { timeout: BUDGET_MS + 180_000 }, async () => {
    const database = await suiteDatabase();
    const mail = await Mail.start(database.db);
    const worker = await launchHealthyWorker(
      { temporal, databaseUrl: database.url, smtpUrl: mail.url, bundlePath },
      { PG_POOL_MAX: '20', WORKER_MAX_CONCURRENT_ACTIVITIES: '40' },
    );
    const console_ = await startConsoleServer({
      db: database.db,
      temporal: clientOf.client,
      publicUrl: 'http://127.0.0.1:3000',
      linkSecret: LINK_SECRET,
      sessionSecret: 'load-test-session-secret-0123456789abcdef-0123',
      mailboxEnabled: false,
      logger: { level: 'error' },
      // Every report comes from one address here; units behind one office NAT look the same.
      portalRateLimit: { perAddress: { max: 1_000_000, timeWindowMs: 60_000 } },
      port: 0,
    });
    const def = faultCampaign({ tasks: TASKS, lapsed: false });
    try {
      await startCampaign(clientOf.client, def);
      // Every task assigned (its assignment sent), so that each takes progress reports.
      await until(
        async () => {
          const { rows } = await database.db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM tasks WHERE campaign_id = $1 AND status = 'assigned'`,
            [def.id],
          );
          return rows[0].n === TASKS;
        },
        () => `${TASKS} 项任务全部交办\n${describeWorker(worker)}`,
        120_000,
      );

      const expiresAt = new Date(Date.now() + 30 * 86_400_000);
      const tokens = def.tasks.map((t) => signUnitLink({ campaignId: def.id, taskId: t.id, unitId: t.leadUnit, expiresAt }, LINK_SECRET));
      const plan = shuffled(
        Array.from({ length: REQUESTS }, (_, i) => ({ task: i % TASKS, text: `第${i + 1}次进展：清理背街小巷 ${i + 1} 处` })),
        20261128,
      );

      const outcomes: Outcome[] = [];
      const budgetEnds = Date.now() + BUDGET_MS;
      let next = 0;
      const started = performance.now();
      const lane = async () => {
        while (next < plan.length && Date.now() < budgetEnds) {
          const { task, text } = plan[next++];
          const t0 = performance.now();
          try {
            const response = await fetch(`${console_.url}/api/portal/${tokens[task]}/progress`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ text, by: '联络员' }),
              signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
            });
            const body = await response.text();
            outcomes.push({ text, status: response.status, ms: performance.now() - t0, body: response.ok ? '' : body });
          } catch (error) {
            outcomes.push({ text, status: 0, ms: performance.now() - t0, body: String(error) });
          }
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, lane));
      const seconds = (performance.now() - started) / 1000;

      const byStatus = new Map<number, number>();
      for (const o of outcomes) byStatus.set(o.status, (byStatus.get(o.status) ?? 0) + 1);
      const latencies = outcomes.map((o) => o.ms).sort((a, b) => a - b);
      const accepted = outcomes.filter((o) => o.status === 200);
      const figures =
        `${outcomes.length} 个请求（${TASKS} 项任务，并发 ${CONCURRENCY}），用时 ${seconds.toFixed(1)} 秒，` +
        `${(outcomes.length / seconds).toFixed(1)} 请求/秒；延迟 p50 ${percentile(latencies, 50).toFixed(0)} ms、` +
        `p95 ${percentile(latencies, 95).toFixed(0)} ms、p99 ${percentile(latencies, 99).toFixed(0)} ms、最长 ${latencies.at(-1)?.toFixed(0)} ms；` +
        `状态 ${JSON.stringify(Object.fromEntries(byStatus))}`;
      console.info(`[faults/load] ${figures}`);

      expect(outcomes.length, '全部请求在时限内发出').toBe(REQUESTS);
      const failures = outcomes.filter((o) => o.status !== 200);
      expect(failures.filter((o) => o.status === 0 || o.status >= 500).slice(0, 5), '没有 5xx 或无应答').toEqual([]);
      expect(failures.slice(0, 5), '每个报送都被接受').toEqual([]);

      // The event log: one progress event per accepted report, none twice, none missing.
      const { rows } = await database.db.query<{ text: string; n: number }>(
        `SELECT detail->>'text' AS text, count(*)::int AS n FROM task_events
         WHERE campaign_id = $1 AND kind = 'progress' GROUP BY 1`,
        [def.id],
      );
      expect(rows.filter((r) => r.n > 1), '没有重复记录').toEqual([]);
      expect(rows.map((r) => r.text).sort()).toEqual(accepted.map((o) => o.text).sort());
      const { rows: perTask } = await database.db.query<{ task_id: string; n: number; status: string }>(
        `SELECT t.id AS task_id, t.status, count(e.id)::int AS n FROM tasks t
         LEFT JOIN task_events e ON e.campaign_id = t.campaign_id AND e.task_id = t.id AND e.kind = 'progress'
         WHERE t.campaign_id = $1 GROUP BY t.id, t.status`,
        [def.id],
      );
      expect(perTask.every((t) => t.n === REQUESTS / TASKS || Math.abs(t.n - REQUESTS / TASKS) < 1)).toBe(true);
      expect(perTask.every((t) => t.status === 'inProgress')).toBe(true);
      await stopWorker(worker);
    } finally {
      await console_.close();
      await terminateAll(clientOf.client, def);
      await mail.stop();
      await database.drop();
    }
  });
});
