// 台账: the task register of a campaign as an Excel workbook (tasks, notices, units' marks).
import ExcelJS from 'exceljs';
import { DateTime } from 'luxon';
import { DEFAULT_TIME_ZONE } from '../../domain/calendar.js';
import { listTaskLedgerFacts, type TaskLedgerFactsRow } from '../../db/read/ledger.js';
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

  const noticeSheet = book.addWorksheet('通知登记', { views: [{ state: 'frozen', ySplit: 1 }] });
  noticeSheet.columns = [
    { header: '文号', key: 'number', width: 26 },
    { header: '类别', key: 'kind', width: 10 },
    { header: '标题', key: 'title', width: 48 },
    { header: '任务编号', key: 'task', width: 18 },
    { header: '主送', key: 'to', width: 36 },
    { header: '抄送', key: 'cc', width: 36 },
    { header: '发文时间', key: 'issued', width: 17 },
  ];
  noticeSheet.getRow(1).font = { bold: true };
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
  const unitSheet = book.addWorksheet('单位红黄绿', { views: [{ state: 'frozen', ySplit: 1 }] });
  unitSheet.columns = [
    { header: '单位', key: 'unit', width: 28 },
    { header: '标记', key: 'mark', width: 8 },
    { header: '在办', key: 'open', width: 8 },
    { header: '逾期', key: 'overdue', width: 8 },
    { header: '临期（7日内）', key: 'dueSoon', width: 14 },
    { header: '未签收', key: 'unacknowledged', width: 8 },
    { header: '已销号', key: 'closed', width: 8 },
  ];
  unitSheet.getRow(1).font = { bold: true };
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

  keepAsText(book);
  return Buffer.from(await book.xlsx.writeBuffer());
}
