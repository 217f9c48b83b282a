// Problem points sent to their units and followed up: one 交办 per unit per dispatch listing its
// points, and when points lapse, one notice per unit per day and rung listing that unit's overdue
// points, on the campaign's own ladder as far as its per-unit letters go (逾期通报, 督办函, 全园区通报;
// 约谈 and 追责 are about a task and its record). The points and their rungs are rows in PostgreSQL;
// the inspection's workflow only says when.
import { loadCampaignContext, loadCampaignStatusAndSettings, type CampaignContext } from '../db/campaigns.js';
import {
  findInspection,
  markPointRung,
  markPointsDispatched,
  nextPointWake,
  pointsWithRungDue,
  undispatchedPoints,
  type DuePoint,
  type InspectionRow,
} from '../db/inspections.js';
import type { Db } from '../db/pool.js';
import { INSPECTION_KIND_NAMES, pointLadder, SEVERITY_NAMES } from '../domain/inspections.js';
import type { ResolvedRung } from '../domain/ladder.js';
import type { WorkingCalendar } from '../domain/calendar.js';
import { civilDateAt, endOfCivilDay, loadCampaignCalendar } from '../services/calendar.js';
import { chineseDate } from '../services/documents.js';
import type { IssueNoticeInput, IssueNotices } from './notices.js';

export interface InspectionStep {
  /** Stable across retries: the workflow's id and the step. */
  key: string;
  campaignId: string;
  inspectionId: number;
  /** Workflow time of the step (ISO). */
  at: string;
}

export interface InspectionWake {
  /** When the next rung of a point is due; absent: none is. */
  wakeAt?: string;
  /** Points not closed. */
  open: number;
  /** Points entered but not yet sent to their units. */
  undispatched: number;
  /** The campaign has ended: nothing more is sent. */
  ended: boolean;
}

/** Where a rung's grace counts to: the end of the civil day that many working days after `date` (0: that day). */
function dueAfter(calendar: WorkingCalendar, date: string, workingDays: number, timeZone: string): string {
  return endOfCivilDay(workingDays === 0 ? date : calendar.addWorkingDays(date, workingDays).date, timeZone);
}

/** How a rung's letter about points is titled and what it says it does. */
const LETTER: Partial<Record<string, { title: string; verb: string }>> = {
  overdue: { title: '通报', verb: '现予通报' },
  criticism: { title: '通报批评', verb: '现予通报批评' },
  supervisionLetter: { title: '督办函', verb: '现予督办' },
  parkWide: { title: '通报', verb: '现予全园区通报' },
};

function groupByUnit(points: DuePoint[]): Map<string, DuePoint[]> {
  const byUnit = new Map<string, DuePoint[]>();
  for (const p of points) byUnit.set(p.unit_id, [...(byUnit.get(p.unit_id) ?? []), p]);
  return byUnit;
}

function pointLine(p: DuePoint, timeZone: string): string {
  return `${p.number}. ${p.location}：${p.description}${p.category ? `（${p.category}）` : ''}，${SEVERITY_NAMES[p.severity]}，整改时限${chineseDate(p.deadline, timeZone)}。`;
}

const found = (inspection: InspectionRow, timeZone: string) =>
  `${chineseDate(inspection.held_on, timeZone)}${INSPECTION_KIND_NAMES[inspection.kind]}（${inspection.title}）发现`;

export function createInspectionActivities({ db, issueNotices }: { db: Db; issueNotices: IssueNotices }) {
  async function load(input: InspectionStep): Promise<{ ctx: CampaignContext; inspection: InspectionRow; calendar: WorkingCalendar; escalation: unknown }> {
    const [ctx, inspection, calendar, campaign] = await Promise.all([
      loadCampaignContext(db, input.campaignId),
      findInspection(db, input.inspectionId),
      loadCampaignCalendar(db, input.campaignId),
      loadCampaignStatusAndSettings(db, input.campaignId),
    ]);
    if (!inspection) throw new Error(`检查不存在：${input.inspectionId}`);
    return { ctx, inspection, calendar, escalation: campaign?.settings.escalation };
  }

  return {
    /** 交办: every point not yet sent, one notice per unit listing its points; returns how many units were sent one. */
    async dispatchInspectionPoints(input: InspectionStep): Promise<number> {
      const points = await undispatchedPoints(db, input.inspectionId);
      if (points.length === 0) return 0;
      const { ctx, inspection, calendar, escalation } = await load(input);
      const zone = ctx.timeZone;
      const byUnit = groupByUnit(points);
      // One notice per unit, numbered together and sent over the pooled transport.
      const letters: IssueNoticeInput[] = [];
      for (const [unitId, list] of byUnit) {
        const unit = ctx.units.get(unitId);
        letters.push({
          key: `${input.key}/${unitId}`,
          campaignId: input.campaignId,
          unitId,
          kind: 'pointDispatch',
          issuedAt: input.at,
          recipients: { to: ['leadUnit.contact'], cc: ['leadUnit.principal'] },
          pointIds: list.map((p) => p.id),
          document: {
            title: `关于交办${inspection.title}发现问题的通知`,
            addressees: `${unit?.name ?? unitId}：`,
            paragraphs: [
              `${found(inspection, zone)}你单位负责整改的问题点位${list.length}个，现交办如下：`,
              ...list.map((p) => pointLine(p, zone)),
              '请按时限整改到位，并通过办理链接逐个上传整改后照片（与整改前同一角度）和整改情况；对不属于你单位的点位，请在整改时限前通过办理链接提出异议并说明理由。',
            ],
          },
        });
      }
      await issueNotices(letters);
      const ladderOf = new Map<string, ResolvedRung[]>();
      const first = (unitId: string) => {
        const kind = ctx.units.get(unitId)?.kind ?? 'department';
        if (!ladderOf.has(kind)) ladderOf.set(kind, pointLadder(escalation, kind));
        return ladderOf.get(kind)![0];
      };
      await markPointsDispatched(
        db,
        points.map((p) => {
          const rung = first(p.unit_id);
          return { id: p.id, nextRungAt: rung ? dueAfter(calendar, p.deadline, rung.graceDays, zone) : null };
        }),
        input.at,
      );
      return byUnit.size;
    },

    /**
     * The rungs due now: per unit and rung, one notice listing the unit's points that reach it today;
     * each point then waits for its next rung (from its new 限期整改 date, or from today).
     */
    async escalateInspectionPoints(input: InspectionStep): Promise<number> {
      const due = await pointsWithRungDue(db, input.inspectionId, input.at);
      if (due.length === 0) return 0;
      const { ctx, inspection, calendar, escalation } = await load(input);
      const zone = ctx.timeZone;
      const today = civilDateAt(input.at, zone);
      // Every unit's letters, numbered together; each point's next rung is written once they are sent.
      const letters: IssueNoticeInput[] = [];
      const marks: { id: number; rung: number; nextRungAt: string | null; deadline: string | null }[] = [];
      for (const [unitId, points] of groupByUnit(due)) {
        const unit = ctx.units.get(unitId);
        const ladder = pointLadder(escalation, unit?.kind ?? 'department');
        const byRung = new Map<number, DuePoint[]>();
        for (const p of points) byRung.set(p.rung + 1, [...(byRung.get(p.rung + 1) ?? []), p]);
        for (const [n, list] of [...byRung].sort((a, b) => a[0] - b[0])) {
          const rung = ladder[n - 1];
          if (!rung) {
            for (const p of list) marks.push({ id: p.id, rung: n - 1, nextRungAt: null, deadline: null });
            continue;
          }
          const newDeadline = rung.rectificationDays > 0 ? calendar.addWorkingDays(today, rung.rectificationDays).date : undefined;
          letters.push({
            key: `${input.key}/${n}/${unitId}/${today}`,
            campaignId: input.campaignId,
            unitId,
            kind: rung.notice,
            issuedAt: input.at,
            recipients: rung.recipients,
            pointIds: list.map((p) => p.id),
            document: {
              title: `关于${unit?.name ?? unitId}问题点位逾期未整改的${LETTER[rung.notice]?.title ?? rung.name}`,
              addressees: `${unit?.name ?? unitId}：`,
              paragraphs: [
                `${found(inspection, zone)}、交由你单位整改的以下${list.length}个问题点位，已过整改时限，至今未整改到位：`,
                ...list.map((p) => pointLine(p, zone)),
                `${LETTER[rung.notice]?.verb ?? `现予${rung.name}`}，${newDeadline ? `请于${chineseDate(newDeadline, zone)}前` : '请立即'}整改到位，并通过办理链接上传整改后照片。`,
              ],
            },
          });
          const next = ladder[n];
          for (const p of list) {
            const from = newDeadline ?? today;
            marks.push({ id: p.id, rung: n, nextRungAt: next ? dueAfter(calendar, from, next.graceDays, zone) : null, deadline: newDeadline ?? null });
          }
        }
      }
      if (letters.length) await issueNotices(letters);
      for (const m of marks) await markPointRung(db, m.id, m.rung, m.nextRungAt, m.deadline);
      return letters.length;
    },

    async inspectionWake(input: Pick<InspectionStep, 'campaignId' | 'inspectionId'>): Promise<InspectionWake> {
      const [wake, campaign] = await Promise.all([nextPointWake(db, input.inspectionId), loadCampaignStatusAndSettings(db, input.campaignId)]);
      return {
        ...(wake.wake_at ? { wakeAt: wake.wake_at.toISOString() } : {}),
        open: wake.open,
        undispatched: wake.undispatched,
        ended: campaign?.status !== 'running',
      };
    },
  };
}
