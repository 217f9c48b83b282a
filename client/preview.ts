// 预览: a definition run in a throwaway sandbox as if no unit ever answered — the time-skipping
// Temporal server, a fresh database (dropped after), an in-process SMTP sink; nothing leaves the
// machine and the real database receives nothing. What comes out is every notice, month by month.
import { randomBytes } from 'node:crypto';
import { DateTime } from 'luxon';
import { migrate } from '../db/migrate.js';
import { createPool, type Db } from '../db/pool.js';
import { LEADER_ROLE_NAMES, type CampaignDefinition } from '../domain/definition.js';
import { NOTICE_KINDS, noticeKindName } from '../domain/notices.js';
import { dropDatabase, ensureDatabase, startTemporaryPostgres } from '../stack/postgres.js';
import { startSimulation } from '../stack/simulation.js';
import { startCampaign } from './campaigns.js';
import { endpoints } from './config.js';
import { countMailbox } from '../db/mailbox.js';
import { listIssuedNotices } from '../db/read/notices.js';

/** The shape of `chuangwen campaign preview --json` (documented in docs/preview.md); version 1. */
export interface CampaignPreview {
  version: 1;
  campaign: { id: string; title: string; start: string; end: string; timeZone: string };
  /** The civil dates simulated, from the campaign's start to the day before `to`. */
  period: { from: string; to: string; months: number };
  assumption: string;
  months: PreviewMonth[];
  counts: {
    total: number;
    byKind: { kind: string; name: string; count: number }[];
    /** Notices each unit receives (主送 or 抄送 to its contact or principal). */
    byUnit: { unitId: string; name: string; count: number }[];
  };
  /** Mails the sandbox's own SMTP sink received (none leaves the machine). */
  mails: number;
  elapsedSeconds: number;
}

export interface PreviewMonth {
  /** YYYY-MM */
  month: string;
  notices: PreviewNotice[];
}

export interface PreviewNotice {
  /** Local date and time in the campaign's zone. */
  date: string;
  time: string;
  kind: string;
  kindName: string;
  /** 发文字号 word, e.g. 督办 */
  word: string;
  documentNumber: string;
  title: string;
  taskId: string | null;
  to: PreviewRecipient[];
  cc: PreviewRecipient[];
}

export interface PreviewRecipient {
  address: string;
  /** Who the address belongs to in the definition, e.g. 区综合执法分局（联系人）. */
  name: string;
}

const ASSUMPTION = '假设没有任何单位签收、报送进展或提交佐证材料，测评不录入分数';

/** Runs `definition` for `months` months (not past its end) in a sandbox and lists what it would send. */
export async function previewCampaign(definition: CampaignDefinition, options: { months: number; databaseUrl?: string }): Promise<CampaignPreview> {
  const started = Date.now();
  process.env.TEMPORAL_LOG_LEVEL ??= 'ERROR';
  const sandbox = await sandboxDatabase(options.databaseUrl ?? endpoints().databaseUrl);
  try {
    const sim = await startSimulation({ db: sandbox.db });
    try {
      const zone = definition.timeZone;
      const from = DateTime.fromISO(definition.start, { zone });
      const end = DateTime.fromISO(definition.end, { zone }).plus({ days: 1 });
      const byMonths = from.plus({ months: options.months });
      // Past the end, a day more: the campaign closes out its open tasks and sends its summary.
      const horizon = byMonths < end ? byMonths : end.plus({ days: 1 });
      await sim.withWorker(async () => {
        // The sandbox's database has no 通讯录: units run on the contacts the definition holds
        // (those the directory filled in), not on directory entries it could not find.
        await startCampaign(sim.env.client, { ...definition, units: definition.units.map(({ directoryId: _, ...unit }) => unit) });
        // A month at a time: the server skips idle time and waits for the activities in between.
        for (;;) {
          const now = DateTime.fromMillis(await sim.env.currentTimeMs());
          if (now >= horizon) break;
          const step = DateTime.min(now.plus({ days: 30 }), horizon);
          await sim.env.sleep(Math.max(step.toMillis() - now.toMillis(), 1));
        }
      });
      const to = (byMonths < end ? byMonths : end).toISODate()!;
      const notices = await readNotices(sandbox.db, definition);
      const mails = await countMailbox(sandbox.db);
      return summarize(definition, { from: definition.start, to, months: options.months }, notices, mails, started);
    } finally {
      await sim.stop();
    }
  } finally {
    await sandbox.drop();
  }
}

/** A fresh database on the configured server, dropped after; a temporary embedded server when none is configured. */
async function sandboxDatabase(serverUrl: string | undefined): Promise<{ db: Db; drop(): Promise<void> }> {
  if (serverUrl) {
    const name = `chuangwen_preview_${randomBytes(6).toString('hex')}`;
    const url = await ensureDatabase(serverUrl, name, { throwaway: true }).catch(() => undefined);
    if (url) {
      const db = createPool(url, 4);
      await migrate(db);
      return {
        db,
        async drop() {
          await db.end();
          await dropDatabase(serverUrl, name);
        },
      };
    }
  }
  const server = await startTemporaryPostgres();
  const db = createPool(await ensureDatabase(server.url, 'chuangwen_preview', { throwaway: true }), 4);
  await migrate(db);
  return {
    db,
    async drop() {
      await db.end();
      await server.stop();
    },
  };
}

async function readNotices(db: Db, definition: CampaignDefinition): Promise<PreviewNotice[]> {
  const rows = await listIssuedNotices(db, definition.id);
  const names = addressBook(definition);
  const recipient = (address: string): PreviewRecipient => ({ address, name: names.get(address.toLowerCase()) ?? address });
  return rows.map((r) => {
    const at = DateTime.fromJSDate(r.issued_at).setZone(definition.timeZone);
    return {
      date: at.toISODate()!,
      time: at.toFormat('HH:mm'),
      kind: r.kind,
      kindName: noticeKindName(r.kind),
      word: (NOTICE_KINDS as Record<string, { word: string }>)[r.kind]?.word ?? '',
      documentNumber: r.document_number,
      title: r.title,
      taskId: r.task_id,
      to: r.recipients.to.map(recipient),
      cc: r.recipients.cc.map(recipient),
    };
  });
}

/** Every address of the definition with whose it is. */
function addressBook(def: CampaignDefinition): Map<string, string> {
  const book = new Map<string, string>();
  const add = (email: string | undefined, name: string) => {
    if (email && !book.has(email.toLowerCase())) book.set(email.toLowerCase(), name);
  };
  add(def.office.email, def.office.name);
  add(def.office.director?.email, `${def.office.director?.name ?? ''}（创建办主任）`);
  add(def.office.discipline?.email, `${def.office.discipline?.name ?? '纪检监察室'}（纪检监察室）`);
  for (const l of def.leaders) add(l.email, `${l.name}（${LEADER_ROLE_NAMES[l.role]}）`);
  for (const u of def.units) {
    add(u.contact.email, `${u.name}（联系人 ${u.contact.name}）`);
    add(u.principal.email, `${u.name}（主要负责人 ${u.principal.name}）`);
  }
  return book;
}

function summarize(
  def: CampaignDefinition,
  period: CampaignPreview['period'],
  notices: PreviewNotice[],
  mails: number,
  started: number,
): CampaignPreview {
  const months = new Map<string, PreviewNotice[]>();
  for (const n of notices) months.set(n.date.slice(0, 7), [...(months.get(n.date.slice(0, 7)) ?? []), n]);
  const kinds = new Map<string, number>();
  for (const n of notices) kinds.set(n.kind, (kinds.get(n.kind) ?? 0) + 1);
  const byUnit = def.units.map((u) => {
    const own = new Set([u.contact.email.toLowerCase(), u.principal.email.toLowerCase()]);
    const count = notices.filter((n) => [...n.to, ...n.cc].some((r) => own.has(r.address.toLowerCase()))).length;
    return { unitId: u.id, name: u.name, count };
  });
  return {
    version: 1,
    campaign: { id: def.id, title: def.title, start: def.start, end: def.end, timeZone: def.timeZone },
    period,
    assumption: ASSUMPTION,
    months: [...months].map(([month, list]) => ({ month, notices: list })),
    counts: {
      total: notices.length,
      byKind: [...kinds].map(([kind, count]) => ({ kind, name: noticeKindName(kind), count })),
      byUnit,
    },
    mails,
    elapsedSeconds: Math.round((Date.now() - started) / 100) / 10,
  };
}

/** The preview as text: month by month, then the counts. */
export function describePreview(p: CampaignPreview): string[] {
  const names = (list: PreviewRecipient[]) => list.map((r) => r.name).join('、');
  const lines = [
    `预览「${p.campaign.title}」（${p.campaign.id}）：${p.period.from} 起 ${p.period.months} 个月（至 ${p.period.to}），${p.assumption}。`,
    '在本机临时沙箱中运行：邮件只进沙箱自带的接收端，未发出任何邮件，未写入正式数据库。',
  ];
  for (const m of p.months) {
    const [year, month] = m.month.split('-').map(Number);
    lines.push('', `${year}年${month}月（${m.notices.length} 份）`);
    for (const n of m.notices) {
      lines.push(`  ${n.date} ${n.time}  ${n.documentNumber}  ${n.kindName}：${n.title}`);
      lines.push(`      主送：${names(n.to) || '—'}${n.cc.length ? `；抄送：${names(n.cc)}` : ''}`);
    }
  }
  lines.push('', `合计 ${p.counts.total} 份通知。`);
  lines.push(`按类别：${p.counts.byKind.map((k) => `${k.name} ${k.count} 份`).join('，') || '无'}`);
  lines.push(`按单位（收到的通知）：${p.counts.byUnit.map((u) => `${u.name} ${u.count} 份`).join('，')}`);
  lines.push(`模拟用时 ${p.elapsedSeconds} 秒。`);
  return lines;
}
