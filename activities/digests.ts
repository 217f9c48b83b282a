// The campaign's own notices: phase notices, cadence digests (每周一检查、每月一通报、调度、
// 季度调度、半年小结), 每月报送 reminders, assessment results and the closing summary. Each reads
// the record, composes its 正文 and is issued like any notice: numbered, stored, mailed once.
import { DateTime } from 'luxon';
import { loadCampaignContext, type CampaignContext } from '../db/campaigns.js';
import { listChannelFailures, type ChannelFailureRow } from '../db/channels.js';
import { overdueDelegations } from '../db/delegations.js';
import { insertLedgerEntry } from '../db/notices.js';
import type { Db } from '../db/pool.js';
import {
  formsSubmitted,
  insertMaterialsCheck,
  noticeCounts,
  openTasks,
  tasksClosedBetween,
  unitStandings,
  type OpenTask,
  type UnitStanding,
} from '../db/reports.js';
import { CONSEQUENCE_NAMES, type Consequence, type RankedUnit } from '../domain/assessment.js';
import { DISPATCH_AUDIENCE_NAMES, type DispatchAudience } from '../domain/cadences.js';
import { CHANNEL_NAMES } from '../domain/channels.js';
import { MARK_NAMES, unitMark } from '../domain/marks.js';
import { NOTICE_KINDS, type NoticeKind, type RecipientList } from '../domain/notices.js';
import { ACTIVE_STATUSES, EVIDENCE_FORMS, TASK_STATUSES, type EvidenceForm, type TaskStatus } from '../domain/task-state.js';
import { civilDateAt } from '../services/calendar.js';
import { chineseDate, overdueDelegationLines } from '../services/documents.js';
import type { IssuedNotice, IssueNotice, IssueNoticeInput, IssueNotices } from './notices.js';


/** Every unit and every leader, the office in copy: what the plans mean by 通报全区. */
const PARK_WIDE: RecipientList = {
  to: ['allUnits.contact'],
  cc: ['leaders.groupLeader', 'leaders.executiveDeputy', 'leaders.deputyLeader', 'leaders.responsibleLeader', 'office'],
};

const DISPATCH_RECIPIENTS: Record<DispatchAudience, RecipientList> = {
  office: { to: ['office'], cc: ['office.director'] },
  deputies: { to: ['leaders.deputyLeader', 'leaders.responsibleLeader'], cc: ['office'] },
  leaders: { to: ['leaders.groupLeader', 'leaders.executiveDeputy'], cc: ['office'] },
};

interface Base {
  /** Stable per occurrence: derived from the campaign workflow and the cadence's date. */
  key: string;
  campaignId: string;
  issuedAt: string;
}
/** A period [from, to) as ISO instants. */
interface Period {
  from: string;
  to: string;
}
/** The audience the plan names for a digest, when it names one. */
interface Audience {
  recipients?: RecipientList;
}

export function createDigestActivities({ db, issueNotice, issueNotices }: { db: Db; issueNotice: IssueNotice; issueNotices: IssueNotices }) {
  async function issue(base: Base, kind: NoticeKind, recipients: RecipientList, title: string, addressees: string, paragraphs: string[], unitId?: string) {
    return issueNotice({ ...base, kind, recipients, unitId, document: { title, addressees, paragraphs } });
  }

  return {
    /** Entering a phase: every unit and leader is told. */
    async issuePhaseNotice(input: Base & { phase: { name: string; start: string; end: string } }): Promise<IssuedNotice> {
      const ctx = await loadCampaignContext(db, input.campaignId);
      const d = (date: string) => chineseDate(date, ctx.timeZone);
      return issue(input, 'phaseStart', PARK_WIDE, `关于进入“${input.phase.name}”阶段的通知`, '各责任单位：', [
        `根据《${ctx.title}》，创建工作自${d(input.phase.start)}起进入“${input.phase.name}”阶段（至${d(input.phase.end)}）。`,
        '请各单位对照实施方案，按本阶段要求抓好各项任务落实，按时报送工作进展和佐证材料。',
      ]);
    },

    /** 每周一检查: to the office, what lapsed and what comes next week. */
    async issueWeeklyCheck(input: Base & Period & Audience): Promise<IssuedNotice> {
      const ctx = await loadCampaignContext(db, input.campaignId);
      const tasks = await openTasks(db, input.campaignId);
      const today = civilDateAt(input.issuedAt, ctx.timeZone);
      const weekAgo = DateTime.fromISO(input.issuedAt).minus({ days: 7 }).toJSDate();
      const unacknowledged = tasks.filter((t) => t.status === 'assigned');
      const silent = tasks.filter((t) => t.status !== 'assigned' && (!t.lastProgressAt || t.lastProgressAt < weekAgo));
      const nextWeek = tasks.filter((t) => t.rung === 0 && t.deadline >= today && t.deadline <= civilDateAt(DateTime.fromISO(input.issuedAt).plus({ days: 7 }).toISO()!, ctx.timeZone));
      // SMS and robot messages of the week's notices refused for good: the office fixes the number or the robot.
      const refused = await listChannelFailures(db, input.campaignId, input.from, input.to);
      return issue(input, 'weeklyCheck', input.recipients ?? { to: ['office'], cc: ['office.director'] }, `每周检查情况（${chineseDate(input.issuedAt, ctx.timeZone)}）`, `${ctx.office.name}：`, [
        `截至${chineseDate(input.issuedAt, ctx.timeZone)}，在办整治任务 ${tasks.length} 项，其中已逾期 ${tasks.filter((t) => t.rung > 0).length} 项。`,
        section('一、尚未签收', unacknowledged, taskLine),
        section('二、一周内未报送进展', silent, taskLine),
        section('三、下周到期', nextWeek, (t) => `${taskLine(t)}，${chineseDate(t.deadline, ctx.timeZone)}到期`),
        ...(refused.length ? [section('四、消息发送失败', refused, channelFailureLine)] : []),
      ]);
    },

    /**
     * The tasks' weekly 催办, once per unit: every task of the unit that reported nothing since the
     * last check, and every part it handed to a sub-unit (转办) that is past its due date, in one
     * numbered notice with each task's link; each task's record shows it.
     */
    async issueUnitReminders(input: Base & { since: string }): Promise<number> {
      const ctx = await loadCampaignContext(db, input.campaignId);
      const since = new Date(input.since);
      const silent = (await openTasks(db, input.campaignId)).filter(
        (t) => ACTIVE_STATUSES.includes(t.status as TaskStatus) && (!t.lastProgressAt || t.lastProgressAt < since),
      );
      const overdue = await overdueDelegations(db, input.campaignId, civilDateAt(input.issuedAt, ctx.timeZone));
      const date = (d: string) => chineseDate(d, ctx.timeZone);
      // One notice per unit, numbered together and sent over the pooled transport (issueNotices).
      const reminders: IssueNoticeInput[] = [];
      for (const unit of ctx.units.values()) {
        const tasks = silent.filter((t) => t.leadUnit === unit.id).sort((a, b) => a.deadline.localeCompare(b.deadline) || a.id.localeCompare(b.id));
        const lapsed = overdue.filter((d) => d.lead_unit === unit.id);
        if (tasks.length === 0 && lapsed.length === 0) continue;
        reminders.push({
          ...input,
          key: `${input.key}/${unit.id}`,
          kind: 'reminder',
          recipients: { to: ['leadUnit.contact'], cc: [] },
          unitId: unit.id,
          taskIds: [...new Set([...tasks.map((t) => t.id), ...lapsed.map((d) => d.task_id)])],
          document: {
            title:
              tasks.length === 0
                ? '关于督促下级单位办结转办事项的催办通知'
                : tasks.length === 1
                  ? `关于督促报送“${tasks[0].title}”工作进展的催办通知`
                  : `关于督促报送${tasks.length}项整治任务工作进展的催办通知`,
            addressees: `${unit.name}：`,
            paragraphs: [
              ...(tasks.length === 0
                ? []
                : [
                    `你单位牵头的以下${tasks.length}项整治任务，自${date(input.since)}以来未报送工作进展：`,
                    ...tasks.map(
                      (t, i) =>
                        `${i + 1}. “${t.title}”，完成时限${date(t.deadline)}${t.rung > 0 ? `，已逾期（${t.rungName}）` : t.status === 'assigned' ? '，尚未签收' : ''}。`,
                    ),
                    '请于本周内通过各任务的办理链接报送整改进展，抓紧推进。',
                  ]),
              ...overdueDelegationLines(lapsed, (d) => `“${d.task_title}”中转交${d.sub_unit_name}的“${d.part}”`, date),
            ],
          },
        });
      }
      if (reminders.length) await issueNotices(reminders);
      return reminders.length;
    },

    /** 每月一通报: completion per unit with its mark, overdue tasks, notices issued in the month. */
    async issueMonthlyBulletin(input: Base & Period & Audience): Promise<IssuedNotice> {
      const ctx = await loadCampaignContext(db, input.campaignId);
      const standings = await unitStandings(db, input.campaignId, civilDateAt(input.issuedAt, ctx.timeZone));
      const counts = await noticeCounts(db, input.campaignId, input.from, input.to);
      const month = DateTime.fromISO(input.from).setZone(ctx.timeZone);
      const overdue = (await openTasks(db, input.campaignId)).filter((t) => t.rung > 0);
      return issue(input, 'monthlyBulletin', input.recipients ?? PARK_WIDE, `${month.year}年${month.month}月创建工作通报`, '各责任单位：', [
        overallLine(standings),
        `一、各单位完成情况：${standings.map(standingLine).join('；')}。`,
        section('二、逾期任务', overdue, (t) => `${taskLine(t)}（${t.rungName || '逾期'}）`),
        `三、本月印发：${noticeSummary(counts)}。`,
        '红牌单位须在下次通报前完成整改，黄牌单位须抓紧推进。',
      ]);
    },

    /** 每月抽查 (督查、暗访): what the month's check found, unit by unit, to every unit and leader. */
    async issueMonthlyCheck(input: Base & Period & Audience & { method: string }): Promise<IssuedNotice> {
      const ctx = await loadCampaignContext(db, input.campaignId);
      const today = civilDateAt(input.issuedAt, ctx.timeZone);
      const standings = await unitStandings(db, input.campaignId, today);
      const tasks = await openTasks(db, input.campaignId);
      const weekAgo = DateTime.fromISO(input.issuedAt).minus({ days: 7 }).toJSDate();
      const month = DateTime.fromISO(input.issuedAt).setZone(ctx.timeZone);
      return issue(input, 'monthlyCheck', input.recipients ?? PARK_WIDE, `${month.year}年${month.month}月${input.method}情况通报`, '各责任单位：', [
        `${month.month}月，${ctx.office.name}对各单位创建任务进行了${input.method}。${overallLine(standings)}`,
        `一、各单位情况：${standings.map(standingLine).join('；')}。`,
        section('二、发现的问题（已逾期）', tasks.filter((t) => t.rung > 0), (t) => `${taskLine(t)}（${t.rungName || '逾期'}）`),
        section('三、一周以上未报送进展', tasks.filter((t) => t.rung === 0 && t.status !== 'assigned' && (!t.lastProgressAt || t.lastProgressAt < weekAgo)), taskLine),
        `请各单位对照问题立即整改，下次${input.method}时复查。`,
      ]);
    },

    /** 日常巡查: a reminder to every unit to patrol its area, with its open and overdue tasks. */
    async issuePatrolReminder(input: Base & Period & Audience & { method: string }): Promise<IssuedNotice> {
      const ctx = await loadCampaignContext(db, input.campaignId);
      const standings = await unitStandings(db, input.campaignId, civilDateAt(input.issuedAt, ctx.timeZone));
      const open = standings.filter((s) => s.tasks > s.closed);
      return issue(input, 'patrolReminder', input.recipients ?? { to: ['allUnits.contact'], cc: ['office'] }, `关于开展日常${input.method}的提醒（${chineseDate(input.issuedAt, ctx.timeZone)}）`, '各责任单位：', [
        `按照《${ctx.title}》要求，请各单位对责任区域开展日常${input.method}，发现问题立即整改，整改情况通过任务链接报送。`,
        open.length
          ? `在办任务：${open.map((s) => `${s.unitName} ${s.tasks - s.closed} 项${s.overdue ? `（逾期 ${s.overdue} 项）` : ''}`).join('；')}。`
          : '各单位暂无在办任务。',
      ]);
    },

    /** 调度: one digest per audience, with what needs its decision. */
    async issueDispatch(input: Base & Period & { audience: DispatchAudience }): Promise<IssuedNotice> {
      const ctx = await loadCampaignContext(db, input.campaignId);
      const tasks = await openTasks(db, input.campaignId);
      const standings = await unitStandings(db, input.campaignId, civilDateAt(input.issuedAt, ctx.timeZone));
      const audience = DISPATCH_AUDIENCE_NAMES[input.audience];
      const paragraphs =
        input.audience === 'office'
          ? [
              section('一、待核查销号', tasks.filter((t) => t.status === 'evidenceSubmitted'), taskLine),
              section('二、尚未签收', tasks.filter((t) => t.status === 'assigned'), taskLine),
              section('三、已逾期', tasks.filter((t) => t.rung > 0), (t) => `${taskLine(t)}（${t.rungName}）`),
            ]
          : input.audience === 'deputies'
            ? leadersAreas(ctx, tasks.filter((t) => t.rung >= 1))
            : [
                section('一、拟约谈或追责的任务', tasks.filter((t) => t.rung >= 3), (t) => `${taskLine(t)}（${t.rungName}）`),
                `二、红牌单位：${standings.filter((s) => markOf(s) === 'red').map((s) => s.unitName).join('、') || '无'}。`,
                overallLine(standings),
              ];
      return issue(input, 'dispatch', DISPATCH_RECIPIENTS[input.audience], `${audience}工作调度（${chineseDate(input.issuedAt, ctx.timeZone)}）`, `${audience}：`, paragraphs);
    },

    /** 每季一调度 and 半年一小结: the period in figures, and where each unit stands. */
    async issuePeriodReport(input: Base & Period & Audience & { kind: 'quarterlyDispatch' | 'halfYearSummary' | 'yearEndSummary' }): Promise<IssuedNotice> {
      const ctx = await loadCampaignContext(db, input.campaignId);
      const standings = await unitStandings(db, input.campaignId, civilDateAt(input.issuedAt, ctx.timeZone));
      const closed = await tasksClosedBetween(db, input.campaignId, input.from, input.to);
      const counts = await noticeCounts(db, input.campaignId, input.from, input.to);
      const from = chineseDate(input.from, ctx.timeZone);
      const to = chineseDate(DateTime.fromISO(input.to).minus({ days: 1 }).toISO()!, ctx.timeZone);
      const name = NOTICE_KINDS[input.kind].name;
      return issue(input, input.kind, input.recipients ?? { to: ['leaders.groupLeader', 'leaders.executiveDeputy'], cc: ['office', 'allUnits.principal'] }, `${name}（${from}至${to}）`, '领导小组：', [
        `${from}至${to}，销号整治任务 ${closed} 项。${overallLine(standings)}`,
        `期间印发：${noticeSummary(counts)}。`,
        `各单位：${standings.map(standingLine).join('；')}。`,
      ]);
    },

    /**
     * 每月定时报送 on its due day: which forms each unit has not yet submitted this month (any
     * submission of a form serves every request for it). A reminder goes to each unit missing one.
     */
    async issueMaterialsReminders(input: Base & Period & { forms: EvidenceForm[]; dueDate: string; recipient?: string }): Promise<number> {
      const ctx = await loadCampaignContext(db, input.campaignId);
      const submitted = await formsSubmitted(db, input.campaignId, input.from, input.to);
      let sent = 0;
      for (const unit of ctx.units.values()) {
        const missing = input.forms.filter((f) => !submitted.get(unit.id)?.has(f));
        if (missing.length === 0) continue;
        await issue({ ...input, key: `${input.key}/${unit.id}` }, 'materialsReminder', { to: ['leadUnit.contact'], cc: ['leadUnit.principal'] }, `关于报送${DateTime.fromISO(input.dueDate).setZone(ctx.timeZone).month}月创建材料的催报通知`, `${unit.name}：`, [
          `按照每月定时报送要求，你单位本月尚未报送：${missing.map((f) => EVIDENCE_FORMS[f]).join('、')}。`,
          `报送截止日为${chineseDate(input.dueDate, ctx.timeZone)}${input.recipient ? `，报送至${input.recipient}` : ''}，逾期未报的将记入年终绩效考核。`,
        ], unit.id);
        sent++;
      }
      return sent;
    },

    /** After the grace period: each unit's forms recorded as on time or late; late ones cost points. */
    async recordMaterials(input: Base & Period & { month: string; forms: EvidenceForm[]; dueDate: string; deduction: number }): Promise<number> {
      const ctx = await loadCampaignContext(db, input.campaignId);
      const submitted = await formsSubmitted(db, input.campaignId, input.from, input.to);
      const year = DateTime.fromISO(input.issuedAt).setZone(ctx.timeZone).year;
      let late = 0;
      for (const unit of ctx.units.values()) {
        for (const form of input.forms) {
          const onTime = submitted.get(unit.id)?.has(form) ?? false;
          const recorded = await insertMaterialsCheck(db, {
            campaignId: input.campaignId,
            unitId: unit.id,
            month: input.month,
            form,
            dueDate: input.dueDate,
            onTime,
            checkedAt: input.issuedAt,
          });
          if (!onTime && recorded && input.deduction > 0) {
            late++;
            await insertLedgerEntry(db, {
              key: `${input.key}/${unit.id}/${form}`,
              campaignId: input.campaignId,
              unitId: unit.id,
              year,
              points: -input.deduction,
              reason: `${input.month} 月${EVIDENCE_FORMS[form]}逾期未报`,
              occurredAt: input.issuedAt,
            });
          }
        }
      }
      return late;
    },

    /** A round's results to the whole park, then what last place brings to each last unit. */
    async publishAssessment(
      input: Base & {
        round: number;
        label: string;
        ranking: RankedUnit[];
        consequences: { unitId: string; streak: number; consequence: Consequence }[];
        deductions: Record<Consequence, number>;
        /** 测评结果报送上级: copied to office.superior. */
        reportToSuperior?: boolean;
      },
    ): Promise<string[]> {
      const ctx = await loadCampaignContext(db, input.campaignId);
      const name = (id: string) => ctx.units.get(id)?.name ?? id;
      const numbers: string[] = [];
      const recipients = input.reportToSuperior ? { to: PARK_WIDE.to, cc: [...PARK_WIDE.cc, 'superior' as const] } : PARK_WIDE;
      const results = await issue(input, 'assessmentResult', recipients, `关于${input.label}实地测评结果的通报`, '各责任单位：', [
        `${input.label}实地测评已完成，现将结果通报如下：`,
        input.ranking.map((r) => `第${r.rank}名 ${name(r.unitId)} ${r.score}分${r.last ? '（末位）' : ''}`).join('；') + '。',
        input.consequences.length
          ? `根据测评办法，${input.consequences.map((c) => `${name(c.unitId)}${c.streak > 1 ? `连续${c.streak}次` : ''}排名末位，${CONSEQUENCE_NAMES[c.consequence]}`).join('；')}。`
          : '本轮无排名末位单位。',
        '测评结果纳入年终绩效考核。',
      ]);
      numbers.push(results.documentNumber);
      for (const c of input.consequences) {
        const unit = name(c.unitId);
        const score = input.ranking.find((r) => r.unitId === c.unitId)?.score;
        const base = { ...input, key: `${input.key}/${c.consequence}/${c.unitId}` };
        const deduction = { points: input.deductions[c.consequence], reason: `${input.label}测评末位：${CONSEQUENCE_NAMES[c.consequence]}` };
        const notice =
          c.consequence === 'criticism'
            ? { kind: 'criticism' as const, recipients: PARK_WIDE, title: `关于对${unit}予以通报批评的通报`, addressees: '各责任单位：', paragraphs: [
                `在${input.label}实地测评中，${unit}得分${score}分，排名末位。根据《${ctx.title}》，现予以通报批评。`,
                `请${unit}认真查找问题，制定整改措施，于下次测评前整改到位。`,
              ] }
            : c.consequence === 'interview'
              ? { kind: 'interview' as const, recipients: { to: ['leadUnit.principal'], cc: ['leaders.groupLeader', 'leaders.executiveDeputy', 'office'] } as RecipientList, title: `关于约谈${unit}主要负责人的通知`, addressees: `${unit}：`, paragraphs: [
                  `${unit}在实地测评中连续${c.streak}次排名末位。根据《${ctx.title}》，决定约谈你单位主要负责人。`,
                  '请你单位主要负责人按创建办通知的时间、地点接受约谈，并提交书面整改报告。',
                ] }
              : { kind: 'accountabilityReferral' as const, recipients: { to: ['office.discipline'], cc: ['leaders.groupLeader', 'office'] } as RecipientList, title: `关于建议追究${unit}相关人员责任的函`, addressees: `${ctx.office.discipline?.name ?? '纪检监察室'}：`, paragraphs: [
                  `${unit}在实地测评中连续${c.streak}次排名末位，经约谈后仍整改不力。根据《${ctx.title}》，建议追究相关人员责任。`,
                  '相关测评结果及通报材料可向创建办调阅。',
                ] };
        const issued = await issueNotice({ ...base, kind: notice.kind, recipients: notice.recipients, unitId: c.unitId, deduction, document: { title: notice.title, addressees: notice.addressees, paragraphs: notice.paragraphs } });
        numbers.push(issued.documentNumber);
      }
      return numbers;
    },

    /** The end of a campaign: where every unit stands, to all units and leaders. */
    async issueClosingSummary(input: Base & { reason: string }): Promise<IssuedNotice> {
      const ctx = await loadCampaignContext(db, input.campaignId);
      const standings = await unitStandings(db, input.campaignId, civilDateAt(input.issuedAt, ctx.timeZone));
      const open = await openTasks(db, input.campaignId);
      return issue(input, 'closingSummary', PARK_WIDE, `关于《${ctx.title}》工作结束的总结`, '各责任单位：', [
        `《${ctx.title}》于${chineseDate(input.issuedAt, ctx.timeZone)}结束（${input.reason}）。${overallLine(standings)}`,
        `各单位：${standings.map(standingLine).join('；')}。`,
        section('未完成、已撤销的任务', open, taskLine),
      ]);
    },
  };
}

function taskLine(t: OpenTask): string {
  return `“${t.title}”（${t.leadUnitName}，${TASK_STATUSES[t.status as TaskStatus] ?? t.status}）`;
}

function channelFailureLine(f: ChannelFailureRow): string {
  return `${f.document_number}的${CHANNEL_NAMES[f.channel]}（${f.recipient}）：${f.last_code}${f.last_error ? ` ${f.last_error}` : ''}`;
}

function section<T>(heading: string, items: T[], line: (item: T) => string): string {
  return items.length ? `${heading}（${items.length} 项）：${items.map(line).join('；')}。` : `${heading}：无。`;
}

function markOf(s: UnitStanding) {
  return unitMark({ overdue: s.overdue, dueSoon: s.dueSoon, unacknowledged: s.unacknowledged });
}

function standingLine(s: UnitStanding): string {
  const rate = s.tasks ? Math.round((s.closed / s.tasks) * 100) : 100;
  return `${s.unitName} 完成 ${s.closed}/${s.tasks}（${rate}%），逾期 ${s.overdue} 项【${MARK_NAMES[markOf(s)]}牌】`;
}

function overallLine(standings: UnitStanding[]): string {
  const tasks = standings.reduce((n, s) => n + s.tasks, 0);
  const closed = standings.reduce((n, s) => n + s.closed, 0);
  const overdue = standings.reduce((n, s) => n + s.overdue, 0);
  return `全区已交办整治任务 ${tasks} 项，已销号 ${closed} 项（完成率 ${tasks ? Math.round((closed / tasks) * 100) : 100}%），逾期未完成 ${overdue} 项。`;
}

function noticeSummary(counts: Map<string, number>): string {
  const parts = [...counts.entries()].map(([kind, n]) => `${NOTICE_KINDS[kind as NoticeKind]?.name ?? kind} ${n} 份`);
  return parts.length ? parts.join('，') : '无';
}

/** The deputies' digest: overdue tasks grouped by the leader responsible for each unit. */
function leadersAreas(ctx: CampaignContext, tasks: OpenTask[]): string[] {
  const byLeader = new Map<string, OpenTask[]>();
  for (const t of tasks) {
    const leaderId = ctx.units.get(t.leadUnit)?.responsibleLeader ?? '';
    byLeader.set(leaderId, [...(byLeader.get(leaderId) ?? []), t]);
  }
  if (byLeader.size === 0) return ['分管领域内无逾期任务。'];
  return [...byLeader.entries()].map(([leaderId, list]) => {
    const leader = ctx.leaders.find((l) => l.id === leaderId);
    return section(`${leader ? `${leader.name}分管` : '未明确分管领导'}的逾期任务`, list, (t) => `${taskLine(t)}（${t.rungName}）`);
  });
}
