// The worker's own Prometheus metrics (prom-client), beside the Temporal SDK's (served by the SDK
// on a loopback port and merged into our /metrics, so one scrape target has both).
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** What the notice activities report; the activities get it through Services.metrics. */
export interface NoticeMetrics {
  /** One message of a notice accepted by the SMTP server. kind: assignment, reminder, overdue, … */
  noticeSent(kind: string): void;
  /** One failed SMTP attempt (the activity is then retried by Temporal). */
  smtpFailure(): void;
  /** A task climbed to this rung of the escalation ladder (1 = 逾期通报, then 督办函, 约谈, 追责). */
  escalation(rung: number): void;
}

export type ActivityOutcome = 'completed' | 'failed' | 'cancelled';

export interface AppMetrics extends NoticeMetrics {
  readonly registry: Registry;
  /** One activity attempt finished on this worker. */
  activityFinished(activityType: string, outcome: ActivityOutcome, seconds: number): void;
}

/** Metrics on their own registry (not prom-client's global one), so tests can make as many as they like. */
export function createMetrics(registry: Registry = new Registry()): AppMetrics {
  const noticesSent = new Counter({
    name: 'chuangwen_notices_sent_total',
    help: '已发出的通知邮件数（按通知种类）',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const smtpFailures = new Counter({
    name: 'chuangwen_smtp_failures_total',
    help: 'SMTP 发送失败次数（失败后由 Temporal 重试）',
    registers: [registry],
  });
  const escalations = new Counter({
    name: 'chuangwen_escalations_total',
    help: '任务升级次数（按升级阶梯级别）',
    labelNames: ['rung'] as const,
    registers: [registry],
  });
  const activities = new Counter({
    name: 'chuangwen_activity_executions_total',
    help: '本工作进程执行的活动次数（按活动类型与结果）',
    labelNames: ['activity', 'outcome'] as const,
    registers: [registry],
  });
  const activitySeconds = new Histogram({
    name: 'chuangwen_activity_duration_seconds',
    help: '活动单次执行耗时（秒）',
    labelNames: ['activity'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  return {
    registry,
    noticeSent: (kind) => noticesSent.inc({ kind }),
    smtpFailure: () => smtpFailures.inc(),
    escalation: (rung) => escalations.inc({ rung: String(rung) }),
    activityFinished(activity, outcome, seconds) {
      activities.inc({ activity, outcome });
      activitySeconds.observe({ activity }, seconds);
    },
  };
}

/** The process's metrics, for the worker and the activities it runs. */
export const metrics: AppMetrics = createMetrics();

/** Node.js process metrics (CPU, memory, event loop lag, GC) on the same registry; once per process. */
let defaultsStarted = false;
export function collectProcessMetrics(target: AppMetrics = metrics): void {
  if (defaultsStarted) return;
  defaultsStarted = true;
  collectDefaultMetrics({ register: target.registry });
}

/** For tests and for activities run without a worker. */
export const noopNoticeMetrics: NoticeMetrics = { noticeSent() {}, smtpFailure() {}, escalation() {} };

/**
 * The text of /metrics: ours, then the Temporal SDK's when its exporter answers. Each exporter's
 * families are distinct (chuangwen_…, nodejs_…, process_… against temporal_…), so the concatenation is a
 * valid exposition.
 */
export async function renderMetrics(target: AppMetrics, sdkMetricsUrl?: string): Promise<{ contentType: string; body: string }> {
  const ours = await target.registry.metrics();
  let sdk = '';
  if (sdkMetricsUrl) {
    try {
      const response = await fetch(sdkMetricsUrl, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) sdk = await response.text();
      else await response.body?.cancel();
    } catch {
      // The SDK exporter not answering must not hide our own metrics.
    }
  }
  const body = sdk ? `${ours.replace(/\n*$/, '\n')}${sdk}` : ours;
  return { contentType: target.registry.contentType, body };
}
