// 每月定时报送 as the console and the unit portal show it: the month a unit's materials are for at
// a given moment, the forms the campaign asks for, and which forms each unit has sent.
//
// The month is worked out as the campaign's workflow does (workflows/campaign.ts): the materials
// are due on the cadence's day and time (moved to the next working day), count from the previous
// month's check (the campaign's start for the first month), and are checked `graceWorkingDays` after
// the due day; until that check a unit's page shows that month, then the next one. What a unit has
// sent is db/reports.ts formsSubmitted over the check's period: what the check will read.
import { createCalendarLookups, endOfCivilDay, instantAt, loadCampaignCalendar } from '../../services/calendar.js';
import { loadCampaignStatusAndSettings, type CampaignSettings } from '../../db/campaigns.js';
import { listSubmissionsBetween, type MaterialsSubmissionRow } from '../../db/evidence.js';
import type { Queryable } from '../../db/pool.js';
import { formsSubmitted } from '../../db/reports.js';
import { cadencesSchema, DEFAULT_CADENCES, type Cadences } from '../../domain/cadences.js';
import { EVIDENCE_FORMS, type EvidenceForm } from '../../domain/task-state.js';

export interface MaterialsMonth {
  /** 'YYYY-MM' of the due day, as the check records it (materials_checks.month). */
  month: string;
  /** e.g. 2035年1月 */
  label: string;
  /** Submissions count from this instant (the previous month's check, or the campaign's start). */
  from: string;
  /** When the materials are due (the 催报 goes to units missing a form). */
  dueAt: string;
  /** The due day in the campaign's zone. */
  dueDate: string;
  /** When the check records each form as on time or late (the end of the grace period). */
  checkAt: string;
  /** The last day that still counts as on time. */
  lastDay: string;
  /** The forms the campaign asks for, in order. */
  forms: EvidenceForm[];
}

/** How many months are looked through from the campaign's start (a hundred years). */
const MAX_MONTHS = 1200;

/** The cadence as the campaign's workflow reads it: its definition's, or the seed plans' defaults when it names none. */
function materialsCadence(settings: CampaignSettings): Cadences['monthlyMaterials'] {
  const raw = (settings as { cadences?: unknown }).cadences;
  const cadences: Cadences = raw ? cadencesSchema.parse(raw) : DEFAULT_CADENCES;
  return cadences.monthlyMaterials;
}

/**
 * The month whose materials a unit sends at `now`: the first due day whose check is still ahead.
 * Undefined when the campaign asks for no monthly materials, has ended, or has no due day left.
 */
export async function materialsMonth(db: Queryable, campaignId: string, now: Date): Promise<MaterialsMonth | undefined> {
  const row = await loadCampaignStatusAndSettings(db, campaignId);
  if (!row || row.status === 'ended') return undefined;
  const cadence = materialsCadence(row.settings);
  if (!cadence) return undefined;
  const zone = row.settings.timeZone;
  const calendar = await loadCampaignCalendar(db, campaignId);
  const dates = createCalendarLookups(async () => calendar);
  const endsAt = Date.parse(endOfCivilDay(row.settings.end, zone));
  if (now.getTime() >= endsAt) return undefined;
  let from = instantAt(row.settings.start, '00:00', zone);
  for (let i = 0; i < MAX_MONTHS; i++) {
    const due = await dates.nextMonthlyDate({ campaignId, timeZone: zone, after: from, day: cadence.day, time: cadence.time });
    // The campaign sends no reminder at or after its end.
    if (Date.parse(due.at) >= endsAt) return undefined;
    const check = await dates.addWorkingDays({ campaignId, timeZone: zone, from: due.at, days: cadence.graceWorkingDays });
    if (now.getTime() < Date.parse(check.lapsesAt)) {
      const [year, month] = due.date.split('-').map(Number);
      return {
        month: due.date.slice(0, 7),
        label: `${year}年${month}月`,
        from,
        dueAt: due.at,
        dueDate: due.date,
        checkAt: check.lapsesAt,
        lastDay: check.date,
        forms: [...cadence.forms],
      };
    }
    from = check.lapsesAt;
  }
  return undefined;
}

export interface UnitMaterials {
  unitId: string;
  unitName: string;
  /** Forms asked for and sent in the month (as task evidence or as materials). */
  submitted: EvidenceForm[];
  /** Forms asked for and not sent yet. */
  missing: EvidenceForm[];
  /** What it sent: for one unit, of both kinds; for a whole campaign, the materials sent without a task. */
  submissions: ReturnType<typeof materialsSubmissionView>[];
}

/**
 * Each unit's forms of the month, sent and missing, in the order given. The submissions listed are
 * all of one unit's (its portal page), or only the materials sent without a task when there are
 * several units (the console: a campaign's task evidence is on its tasks' pages).
 */
export async function unitsMaterials(
  db: Queryable,
  campaignId: string,
  month: MaterialsMonth,
  units: { id: string; name: string }[],
): Promise<UnitMaterials[]> {
  const sent = await formsSubmitted(db, campaignId, month.from, month.checkAt);
  const one = units.length === 1 ? units[0].id : undefined;
  const rows = await listSubmissionsBetween(db, campaignId, { from: month.from, to: month.checkAt, unitId: one, withoutTask: !one });
  return units.map((u) => ({
    unitId: u.id,
    unitName: u.name,
    submitted: month.forms.filter((f) => sent.get(u.id)?.has(f)),
    missing: month.forms.filter((f) => !sent.get(u.id)?.has(f)),
    submissions: rows.filter((r) => r.unit_id === u.id).map(materialsSubmissionView),
  }));
}

/** The campaign page's table: every unit's materials of the current month; undefined without one. */
export async function campaignMaterials(db: Queryable, campaignId: string, now: Date, units: { id: string; name: string }[]) {
  const month = await materialsMonth(db, campaignId, now);
  if (!month) return undefined;
  return { month, units: await unitsMaterials(db, campaignId, month, units) };
}

/** One submission as a unit sees it on its materials page: task evidence names its task. */
export function materialsSubmissionView(s: MaterialsSubmissionRow) {
  return {
    id: Number(s.id),
    form: s.form,
    formName: EVIDENCE_FORMS[s.form] ?? s.form,
    text: s.text ?? '',
    by: s.submitted_by ?? '',
    submittedAt: new Date(s.submitted_at).toISOString(),
    ...(s.task_id ? { taskId: s.task_id, taskTitle: s.task_title ?? s.task_id } : {}),
    files: s.files.map((f) => ({ id: f.id, fileName: f.name, contentType: f.content_type, sizeBytes: Number(f.size), sha256: f.sha256 })),
  };
}
