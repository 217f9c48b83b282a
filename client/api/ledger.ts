// 台账: the task register of a campaign as an Excel workbook (tasks, notices, units' marks, and the
// problem points found on inspection with each unit's figures).
import ExcelJS from 'exceljs';
import { DateTime } from 'luxon';
import { DEFAULT_TIME_ZONE } from '../../domain/calendar.js';
import { pointMetrics } from '../../db/inspections.js';
import { listPointLedgerRows, listTaskLedgerFacts, type TaskLedgerFactsRow } from '../../db/read/ledger.js';
import { POINT_STATUS_NAMES, type PointStatus } from '../../domain/inspections.js';
import { keepAsText } from '../../services/spreadsheet.js';
import type { ConsoleContext } from '../context.js';
import { dashboard, listNotices, listTasks, MARK_NAMES, type CampaignRecord } from './read-model.js';

export function ledgerFileName(campaign: { id: string; title: string }, now: Date): string {
  const day = DateTime.fromJSDate(now).setZone(DEFAULT_TIME_ZONE).toFormat('yyyyMMdd');
  return `${campaign.title}-整治任务台账-${day}.xlsx`;
}

export async function ledgerWorkbook(ctx: ConsoleContext, campaign: CampaignRecord): Promise<Buffer> {
  const now = await ctx.now();
  const zone = campaign.timeZone;
  const { tasks } = await listTasks(ctx.db, campaign.id, now, { limit: 1000 });
  let offset = tasks.length;
  while (offset % 1000 === 0 && offset > 0) {
    const more = await listTasks(ctx.db, campaign.id, now, { limit: 1000, offset });
    if (more.tasks.length === 0) break;
    tasks.push(...more.tasks);
    offset += more.tasks.length;
  }
  const facts = await listTaskLedgerFacts(ctx.db, campaign.id);
  const byTask = new Map(facts.map((f) => [f.id, f]));
  const units = new Map(campaign.definition.units.map((u) => [u.id, u.name]));
  const time = (d: Date | null | undefined) => (d ? DateTime.fromJSDate(d).setZone(zone).toFormat('yyyy-MM-dd HH:mm') : '');

  const book = new ExcelJS.Workbook();
  book.creator = campaign.definition.office.name;
  book.created = now;
  book.title = `${campaign.title} 整治任务台账`;

  const sheet = book.addWorksheet('整治任务台账', { views: [{ state: 'frozen', ySplit: 2 }] });
  const columns: { header: string; key: string; width: number }[] = [
    { header: '序号', key: 'no', width: 6 },
    { header: '任务编号', key: 'id', width: 18 },
    { header: '任务名称', key: 'title', width: 32 },
    { header: '任务内容', key: 'description', width: 48 },
    { header: '责任单位', key: 'lead', width: 20 },
    { header: '配合单位', key: 'cooperating', width: 28 },
    { header: '开始日期', key: 'start', width: 12 },
    { header: '完成时限', key: 'deadline', width: 12 },
    { header: '状态', key: 'status', width: 10 },
    { header: '督办层级', key: 'rung', width: 10 },
    { header: '是否逾期', key: 'overdue', width: 9 },
    { header: '签收时间', key: 'acknowledged', width: 17 },
    { header: '最近进展时间', key: 'lastProgressAt', width: 17 },
    { header: '最近进展', key: 'lastProgress', width: 40 },
    { header: '销号时间', key: 'closed', width: 17 },
    { header: '交办文号', key: 'assignment', width: 24 },
    { header: '通知数', key: 'notices', width: 8 },
    { header: '佐证材料', key: 'evidence', width: 9 },
  ];
  sheet.columns = columns.map((c) => ({ key: c.key, width: c.width }));
  sheet.mergeCells(1, 1, 1, columns.length);
  const title = sheet.getCell(1, 1);
  title.value = `${campaign.title} 整治任务台账（截至 ${DateTime.fromJSDate(now).setZone(zone).toFormat('yyyy年M月d日 HH:mm')}）`;
  title.font = { bold: true, size: 14 };
  title.alignment = { horizontal: 'center' };
  const header = sheet.getRow(2);
  header.values = columns.map((c) => c.header);
  header.font = { bold: true };
  header.alignment = { vertical: 'middle', horizontal: 'center', wrapText: true };
  header.eachCell((cell) => {
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE8EEF7' } };
  });
  tasks.forEach((t, i) => {
    const f: Partial<TaskLedgerFactsRow> = byTask.get(t.id) ?? {};
    const row = sheet.addRow({
      no: i + 1,
      id: t.id,
      title: t.title,
      description: campaign.definition.tasks.find((d) => d.id === t.id)?.description ?? '',
      lead: t.leadUnitName,
      cooperating: t.cooperatingUnits.map((u) => units.get(u) ?? u).join('、'),
      start: t.start,
      deadline: t.deadline,
      status: t.statusName,
      rung: t.rung > 0 ? t.rungName : '',
      overdue: t.overdue ? '是' : '否',
      acknowledged: time(f.acknowledged_at),
      lastProgressAt: t.lastProgressAt ? time(new Date(t.lastProgressAt)) : '',
      lastProgress: f.last_progress ?? '',
      closed: time(f.closed_at),
      assignment: f.assignment_number ?? '',
      notices: f.notices ?? 0,
      evidence: f.evidence ?? 0,
    });
    row.alignment = { vertical: 'top', wrapText: true };
    if (t.overdue) row.getCell('overdue').font = { color: { argb: 'FFC00000' }, bold: true };
  });
  sheet.autoFilter = { from: { row: 2, column: 1 }, to: { row: 2, column: columns.length } };

  const noticeSheet = listSheet(book, '通知登记', [
    { header: '文号', key: 'number', width: 26 },
    { header: '类别', key: 'kind', width: 10 },
    { header: '标题', key: 'title', width: 48 },
    { header: '任务编号', key: 'task', width: 18 },
    { header: '主送', key: 'to', width: 36 },
    { header: '抄送', key: 'cc', width: 36 },
    { header: '发文时间', key: 'issued', width: 17 },
  ]);
  const { notices } = await listNotices(ctx.db, { campaignId: campaign.id, limit: 1000 });
  for (const n of [...notices].reverse()) {
    noticeSheet.addRow({
      number: n.documentNumber,
      kind: n.kindName,
      title: n.title,
      task: n.taskId ?? '',
      to: n.to.join('、'),
      cc: n.cc.join('、'),
      issued: time(new Date(n.issuedAt)),
    });
  }

  const board = await dashboard(ctx.db, now, campaign.id);
  const unitSheet = listSheet(book, '单位红黄绿', [
    { header: '单位', key: 'unit', width: 28 },
    { header: '标记', key: 'mark', width: 8 },
    { header: '在办', key: 'open', width: 8 },
    { header: '逾期', key: 'overdue', width: 8 },
    { header: '临期（7日内）', key: 'dueSoon', width: 14 },
    { header: '未签收', key: 'unacknowledged', width: 8 },
    { header: '已销号', key: 'closed', width: 8 },
  ]);
  const fills = { red: 'FFF4C7C3', yellow: 'FFFFF2CC', green: 'FFD9EAD3' } as const;
  for (const u of board.units) {
    const row = unitSheet.addRow({
      unit: u.unitName,
      mark: MARK_NAMES[u.mark],
      open: u.openTasks,
      overdue: u.overdueTasks,
      dueSoon: u.dueSoonTasks,
      unacknowledged: u.unacknowledged,
      closed: u.closedTasks,
    });
    row.getCell('mark').fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: fills[u.mark] } };
  }

  await addPointSheets(ctx, book, campaign, now, units, time);
  keepAsText(book);
  return Buffer.from(await book.xlsx.writeBuffer());
}

/** A sheet listing rows under a bold header that stays in view. */
function listSheet(book: ExcelJS.Workbook, name: string, columns: { header: string; key: string; width: number }[]): ExcelJS.Worksheet {
  const sheet = book.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = columns;
  sheet.getRow(1).font = { bold: true };
  return sheet;
}

/** The whole record, for the figures the assessment rounds take per period (activities/assessments.ts). */
const WHOLE_RECORD = { start: '1900-01-01', end: '9999-12-31', startsAt: '1900-01-01T00:00:00Z', endsAt: '9999-12-31T00:00:00Z' };

/** 问题点位: one row per point; 点位统计: per unit, the figures point scoring counts, and the overdue and disputed. */
async function addPointSheets(ctx: ConsoleContext, book: ExcelJS.Workbook, campaign: CampaignRecord, now: Date, units: Map<string, string>, time: (d: Date | null) => string) {
  const points = await listPointLedgerRows(ctx.db, campaign.id, now.toISOString());
  const yesNo = (b: boolean) => (b ? '是' : '否');
  const pointSheet = listSheet(book, '问题点位', [
    { header: '检查', key: 'inspection', width: 24 },
    { header: '序号', key: 'number', width: 7 },
    { header: '点位', key: 'location', width: 28 },
    { header: '类别', key: 'category', width: 14 },
    { header: '责任单位', key: 'unit', width: 20 },
    { header: '发现日期', key: 'found', width: 12 },
    { header: '整改时限', key: 'deadline', width: 12 },
    { header: '状态', key: 'status', width: 12 },
    { header: '整改时间', key: 'fixed', width: 17 },
    { header: '复查退回次数', key: 'returns', width: 12 },
    { header: '是否逾期', key: 'overdue', width: 9 },
    { header: '是否申辩', key: 'disputed', width: 9 },
  ]);
  for (const p of points) {
    const row = pointSheet.addRow({
      inspection: p.inspection,
      number: p.number,
      location: p.location,
      category: p.category,
      unit: units.get(p.unit_id) ?? p.unit_id,
      found: p.found_on,
      deadline: p.deadline,
      status: p.dispatched ? (POINT_STATUS_NAMES[p.status as PointStatus] ?? p.status) : '待交办',
      fixed: time(p.fixed_at),
      returns: p.returns,
      overdue: yesNo(p.overdue),
      disputed: yesNo(p.disputed),
    });
    if (p.overdue) row.getCell('overdue').font = { color: { argb: 'FFC00000' }, bold: true };
  }
  if (points.length > 0) pointSheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: 12 } };

  // Found, fixed on time and returned are the assessment's own figures (pointMetrics), over the whole record.
  const metrics = await pointMetrics(ctx.db, campaign.id, WHOLE_RECORD);
  const sent = points.filter((p) => p.dispatched);
  const countOf = (unitId: string, flag: 'overdue' | 'disputed') => sent.filter((p) => p.unit_id === unitId && p[flag]).length;
  const figures = listSheet(book, '点位统计', [
    { header: '单位', key: 'unit', width: 28 },
    { header: '发现问题点位', key: 'found', width: 13 },
    { header: '按时整改', key: 'onTime', width: 10 },
    { header: '逾期', key: 'overdue', width: 8 },
    { header: '复查退回', key: 'returned', width: 10 },
    { header: '申辩', key: 'disputed', width: 8 },
  ]);
  for (const m of metrics) {
    figures.addRow({
      unit: units.get(m.unit_id) ?? m.unit_id,
      found: m.due,
      onTime: m.fixed_on_time,
      overdue: countOf(m.unit_id, 'overdue'),
      returned: m.returned,
      disputed: countOf(m.unit_id, 'disputed'),
    });
  }
}
