// What an inspection's points come to, for the office to send on and file: the 整改情况通报 as .docx
// (each unit's figures, then every point with its photo before and after, side by side) and the
// point list as .xlsx in the columns of the problem list, with where each point stands.
import { AlignmentType, Document, ImageRun, Packer, Paragraph, Table, TableCell, TableRow, WidthType } from 'docx';
import ExcelJS from 'exceljs';
import { listPoints, listThumbnails, type InspectionRow, type PointRow } from '../db/inspections.js';
import type { Queryable } from '../db/pool.js';
import { INSPECTION_KIND_NAMES, POINT_SHEET, POINT_STATUS_NAMES, SEVERITY_NAMES, type PointStatus } from '../domain/inspections.js';
import { bodyParagraph, cell, documentTitle, heading, pageNumberFooter, pageSetup, table } from './docx.js';
import { addColumnSheet, keepAsText } from './spreadsheet.js';

/** Photos in the report at most: beyond them the .xlsx has every point (a report of 10,000 photos is no report). */
export const REPORT_PHOTO_POINTS = 300;
const THUMB_WIDTH_PX = 150;

export interface InspectionReport {
  officeName: string;
  campaignTitle: string;
  inspection: InspectionRow;
  points: PointRow[];
  unitNames: Map<string, string>;
  /** Thumbnails by photo id, of the first REPORT_PHOTO_POINTS points. */
  thumbnails: Map<number, { data: Buffer; width: number; height: number }>;
  /** Today in the campaign's zone (成文日期, and what counts as overdue). */
  today: string;
}

interface UnitFigures {
  name: string;
  found: number;
  closed: number;
  waiting: number;
  overdue: number;
  disputed: number;
}

function figures(report: InspectionReport): UnitFigures[] {
  const byUnit = new Map<string, UnitFigures>();
  for (const p of report.points) {
    const f = byUnit.get(p.unit_id) ?? { name: report.unitNames.get(p.unit_id) ?? p.unit_id, found: 0, closed: 0, waiting: 0, overdue: 0, disputed: 0 };
    f.found++;
    if (p.status === 'closed') f.closed++;
    else if (p.status === 'answered') f.waiting++;
    else if (p.status === 'disputed') f.disputed++;
    if (p.status !== 'closed' && p.status !== 'answered' && p.deadline < report.today) f.overdue++;
    byUnit.set(p.unit_id, f);
  }
  return [...byUnit.values()].sort((a, b) => b.overdue - a.overdue || b.found - a.found || a.name.localeCompare(b.name, 'zh-CN'));
}

const chineseDate = (date: string) => {
  const [y, m, d] = date.split('-').map(Number);
  return `${y}年${m}月${d}日`;
};

function photoCell(report: InspectionReport, point: PointRow, stage: 'before' | 'after'): TableCell {
  const photos = point.photos.filter((f) => f.stage === stage).map((f) => report.thumbnails.get(f.id)).filter((t) => t !== undefined);
  if (photos.length === 0) return cell(stage === 'after' ? (point.status === 'closed' ? '（无照片）' : '（尚未整改）') : '（无照片）');
  const t = photos[0];
  return new TableCell({
    width: { size: 28, type: WidthType.PERCENTAGE },
    children: [
      new Paragraph({
        alignment: AlignmentType.CENTER,
        children: [new ImageRun({ type: 'jpg', data: t.data, transformation: { width: THUMB_WIDTH_PX, height: Math.round((THUMB_WIDTH_PX * t.height) / t.width) } })],
      }),
    ],
  });
}

/** 关于…发现问题整改情况的通报: the figures per unit, then the points with before and after photos. */
export async function inspectionReportDocx(report: InspectionReport): Promise<Buffer> {
  const { inspection, points } = report;
  const units = figures(report);
  const total = (k: keyof Omit<UnitFigures, 'name'>) => units.reduce((n, u) => n + u[k], 0);
  const kind = INSPECTION_KIND_NAMES[inspection.kind];
  const title = `关于${inspection.title}发现问题整改情况的通报`;
  const shown = points.slice(0, REPORT_PHOTO_POINTS);
  const pointRows = shown.map(
    (p) =>
      new TableRow({
        cantSplit: true,
        children: [
          cell(String(p.number), { width: 6 }),
          cell(`${p.location}\n${p.description}${p.category ? `（${p.category}）` : ''}`, { width: 24 }),
          cell(`${report.unitNames.get(p.unit_id) ?? p.unit_id}\n${SEVERITY_NAMES[p.severity]}，${p.deadline}前\n${POINT_STATUS_NAMES[p.status as PointStatus] ?? p.status}`, { width: 14 }),
          photoCell(report, p, 'before'),
          photoCell(report, p, 'after'),
        ],
      }),
  );
  const doc = new Document({
    creator: report.officeName,
    title,
    sections: [
      {
        properties: pageSetup(),
        footers: pageNumberFooter(),
        children: [
          documentTitle(title),
          bodyParagraph('各责任单位：', { indent: false }),
          bodyParagraph(
            `${chineseDate(inspection.held_on)}，${inspection.inspectors || report.officeName}开展${kind}，共发现问题点位 ${points.length} 个，涉及 ${units.length} 个单位。` +
              `截至${chineseDate(report.today)}，已整改销号 ${total('closed')} 个，待复查 ${total('waiting')} 个，逾期未整改 ${total('overdue')} 个，有异议 ${total('disputed')} 个。现将整改情况通报如下。`,
          ),
          heading('一、各单位整改情况'),
          table(
            ['责任单位', '问题点位', '已销号', '待复查', '逾期未整改', '有异议'],
            [30, 14, 14, 14, 14, 14],
            units.map((u) => [u.name, String(u.found), String(u.closed), String(u.waiting), String(u.overdue), String(u.disputed)]),
          ),
          heading('二、问题点位整改前后对比'),
          new Table({
            width: { size: 100, type: WidthType.PERCENTAGE },
            rows: [
              new TableRow({
                tableHeader: true,
                children: ['序号', '点位及问题', '责任单位及时限', '整改前', '整改后'].map((h) => cell(h, { bold: true })),
              }),
              ...pointRows,
            ],
          }),
          ...(points.length > shown.length
            ? [bodyParagraph(`（照片对比仅列前 ${shown.length} 个问题点位；全部 ${points.length} 个点位见问题清单 .xlsx。）`, { indent: false })]
            : []),
          bodyParagraph('请逾期未整改的单位立即整改到位，并通过办理链接上传整改后照片。', {}),
          bodyParagraph(report.officeName, { indent: false, align: AlignmentType.RIGHT }),
          bodyParagraph(chineseDate(report.today), { indent: false, align: AlignmentType.RIGHT }),
        ],
      },
    ],
  });
  return Packer.toBuffer(doc);
}

/** The point list in the problem list's columns (整改时限 as the date it came to), with where each point stands: it imports again as it is. */
export async function inspectionPointsWorkbook(report: Omit<InspectionReport, 'thumbnails'>): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  book.creator = report.officeName;
  book.title = report.inspection.title;
  const columns = [
    ...POINT_SHEET.columns,
    { field: 'status', header: '状态', width: 10, note: Object.values(POINT_STATUS_NAMES).join('、') },
  ];
  addColumnSheet(
    book,
    POINT_SHEET.name,
    columns,
    report.points.map((p) => [
      p.number,
      p.location,
      p.description,
      p.category,
      report.unitNames.get(p.unit_id) ?? p.unit_id,
      p.deadline,
      SEVERITY_NAMES[p.severity],
      p.photos.filter((f) => f.stage === 'before').map((f) => f.file_name).join('、'),
      p.latitude === null ? '' : String(p.latitude),
      p.longitude === null ? '' : String(p.longitude),
      POINT_STATUS_NAMES[p.status as PointStatus] ?? p.status,
    ]),
  );
  keepAsText(book);
  return Buffer.from(await book.xlsx.writeBuffer());
}

/** What the report and the list need of an inspection. */
export async function loadInspectionReport(
  db: Queryable,
  campaign: { title: string; officeName: string; units: { id: string; name: string }[] },
  inspection: InspectionRow,
  today: string,
): Promise<InspectionReport> {
  const thumbnails = await listThumbnails(db, inspection.id, REPORT_PHOTO_POINTS);
  return {
    officeName: campaign.officeName,
    campaignTitle: campaign.title,
    inspection,
    points: await listPoints(db, inspection.id),
    unitNames: new Map(campaign.units.map((u) => [u.id, u.name])),
    thumbnails: new Map(thumbnails.map((t) => [t.id, t])),
    today,
  };
}
