// An inspection imported from its problem list (.xlsx) and photo archive (.zip): every row and every
// photo checked, the points and their photos written in one transaction, or nothing at all with
// every problem named by sheet, row and column.
import { loadCampaignStatusAndSettings, type CampaignSettings } from '../db/campaigns.js';
import { loadDirectorySnapshot } from '../db/directory.js';
import { findInspection, findPoint, findPointId, insertInspection, insertPointPhoto, insertPoints, nextPointNumber, type NewInspection, type NewPoint } from '../db/inspections.js';
import { inTransaction, type Db } from '../db/pool.js';
import { INSPECTION_KIND_NAMES, fixDaysOf, POINT_SHEET, type InspectionKind } from '../domain/inspections.js';
import { civilDateAt, loadCampaignCalendar } from './calendar.js';
import { photoKey, PhotoArchiveRefused, readPhotoArchive } from './photo-archive.js';
import { keepPhoto, keepPhotos, PhotoRefused } from './photos.js';
import { pointOf, pointsOfRows, readPointList, unitFinder, type NamedUnit, type PointDraft } from './inspection-workbook.js';
import { refusalMessage, type SheetProblem } from './spreadsheet.js';

export interface InspectionImport {
  campaignId: string;
  kind: InspectionKind;
  /** The day of the inspection (YYYY-MM-DD). */
  heldOn: string;
  title?: string;
  inspectors?: string;
  createdBy: string;
  /** Now: deadlines count from the day the points are dispatched (today in the campaign's zone). */
  now: Date;
  list: { data: Buffer; fileName: string };
  photos?: { path: string; fileName: string } | { buffer: Buffer; fileName: string };
}

export interface ImportedInspection {
  inspectionId: number;
  points: number;
  photos: number;
  /** Points per unit id. */
  units: Map<string, number>;
  /** Photos whose camera time or place was read. */
  withCameraFacts: number;
}

/** An import refused whole: every problem, nothing written. */
export class InspectionImportError extends Error {
  override name = 'InspectionImportError';
  constructor(readonly problems: SheetProblem[]) {
    super(refusalMessage('问题清单', problems));
  }
}

export async function importInspection(db: Db, input: InspectionImport): Promise<ImportedInspection> {
  const { settings, today } = await runningCampaign(db, input.campaignId, input.now);
  const inspection = newInspection(input, today, input.list.fileName);
  const { sheet, points, problems } = await readPointList(input.list.data, await namedUnits(db, settings), settings.inspections?.unitRules);
  const deadlines = await deadlinesOf(db, input.campaignId, today, points, fixDaysOf(settings.inspections), (p, message) =>
    problems.push({ sheet, row: p.row, column: '整改时限', message }),
  );

  // Which rows name each photo, so that a photo's problem is reported on every row that named it.
  const rowsOf = new Map<string, PointDraft[]>();
  for (const p of points) for (const name of p.photos) {
    const key = photoKey(name);
    rowsOf.set(key, [...(rowsOf.get(key) ?? []), p]);
  }
  const photoProblem = (p: PointDraft, message: string) => problems.push({ sheet, row: p.row, column: '照片文件名', message });
  if (rowsOf.size > 0 && !input.photos) {
    for (const p of points.filter((x) => x.photos.length > 0)) photoProblem(p, '清单写了照片文件名，但没有提供照片包（.zip）');
  }

  try {
    return await inTransaction(db, async (tx) => {
      const inspectionId = await insertInspection(tx, inspection);
      const rows: NewPoint[] = points.map((p) => ({
        number: p.number,
        location: p.location,
        latitude: p.latitude,
        longitude: p.longitude,
        category: p.category,
        severity: p.severity,
        description: p.description,
        unitId: p.unitId,
        deadline: deadlines.get(p) ?? today,
      }));
      const pointIds = await insertPoints(tx, inspectionId, input.campaignId, problems.length ? [] : rows);

      let photos = 0;
      let withCameraFacts = 0;
      const found = new Set<string>();
      if (input.photos && rowsOf.size > 0) {
        await readPhotoArchive(
          'path' in input.photos ? { path: input.photos.path } : { buffer: input.photos.buffer },
          (key) => rowsOf.has(key),
          async (key, archived) => {
            const naming = rowsOf.get(key)!;
            if (found.has(key)) {
              for (const p of naming) photoProblem(p, `照片包中有不止一个名为“${archived.path.split(/[\\/]/).pop()}”的文件（${archived.path}），无法确定用哪一张`);
              return;
            }
            found.add(key);
            if (archived.problem) {
              for (const p of naming) photoProblem(p, `照片“${archived.path}”：${archived.problem}`);
              return;
            }
            let kept;
            try {
              kept = await keepPhoto(archived.data!, settings.timeZone);
            } catch (error) {
              if (!(error instanceof PhotoRefused)) throw error;
              for (const p of naming) photoProblem(p, `照片“${archived.path}”${error.message}`);
              return;
            }
            if (kept.takenAt || kept.latitude !== undefined) withCameraFacts++;
            // Once any problem is known nothing will be kept: the rest is only checked.
            if (problems.length > 0) return;
            for (const p of naming) {
              await insertPointPhoto(tx, { pointId: pointIds.get(p.number)!, stage: 'before', fileName: archived.path.split(/[\\/]/).pop()!, ...kept });
              photos++;
            }
          },
        );
        for (const [key, naming] of rowsOf) {
          if (found.has(key)) continue;
          for (const p of naming) {
            const name = p.photos.find((n) => photoKey(n) === key)!;
            photoProblem(p, `照片包中没有“${name}”`);
          }
        }
      }
      if (problems.length > 0) throw new InspectionImportError(sorted(problems));
      return { inspectionId, points: points.length, photos, units: perUnit(points), withCameraFacts };
    });
  } catch (error) {
    if (error instanceof PhotoArchiveRefused) throw new InspectionImportError([...sorted(problems), fileProblem(error.message)]);
    throw error;
  }
}

/** An inspection's points sent as records (the JSON API): the fields of the problem list's columns. */
export type PointRecordInput = Partial<Record<'number' | 'location' | 'description' | 'category' | 'unit' | 'term' | 'severity' | 'latitude' | 'longitude', string | number>>;

/**
 * An inspection entered as records rather than a workbook: the same checks row by row (a record is
 * named by its place in the list, 第 n 个点位), written in one transaction or refused whole.
 * Photos come one point at a time afterwards.
 */
export async function enterInspection(
  db: Db,
  input: Omit<InspectionImport, 'list' | 'photos'> & { points: PointRecordInput[] },
): Promise<ImportedInspection> {
  const { settings, today } = await runningCampaign(db, input.campaignId, input.now);
  const inspection = newInspection(input, today, '');
  const problems: SheetProblem[] = [];
  if (input.points.length === 0) problems.push(fileProblem('没有问题点位'));
  const header = (field: string) => POINT_SHEET.columns.find((c) => c.field === field)?.header ?? field;
  const report = (row: number, field: string, message: string) => problems.push({ sheet: '', row, column: header(field), message: `第 ${row} 个点位「${header(field)}」：${message}` });
  const rows = input.points.map((p, i) => ({
    row: i + 1,
    cells: new Map(Object.entries(p).map(([k, v]) => [k, String(v ?? '').trim()])),
  }));
  const points = pointsOfRows(rows, await namedUnits(db, settings), settings.inspections?.unitRules, report);
  const deadlines = await deadlinesOf(db, input.campaignId, today, points, fixDaysOf(settings.inspections), (p, message) => report(p.row, 'term', message));
  if (problems.length > 0) throw new InspectionImportError(sorted(problems));
  return inTransaction(db, async (tx) => {
    const inspectionId = await insertInspection(tx, inspection);
    await insertPoints(tx, inspectionId, input.campaignId, points.map((p) => ({ ...p, deadline: deadlines.get(p)! })));
    return { inspectionId, points: points.length, photos: 0, units: perUnit(points), withCameraFacts: 0 };
  });
}

/** Each point's deadline: a date as written, or working days from today by its term or severity. */
async function deadlinesOf(
  db: Db,
  campaignId: string,
  today: string,
  points: PointDraft[],
  fixDays: ReturnType<typeof fixDaysOf>,
  problem: (p: PointDraft, message: string) => void,
): Promise<Map<PointDraft, string>> {
  const calendar = await loadCampaignCalendar(db, campaignId);
  const after = new Map<number, string>();
  const deadlines = new Map<PointDraft, string>();
  for (const p of points) {
    const { term } = p;
    if ('date' in term) {
      if (term.date < today) problem(p, `整改时限 ${term.date} 早于今天（${today}）`);
      deadlines.set(p, term.date);
      continue;
    }
    const days = 'workingDays' in term ? term.workingDays : fixDays[term.severity];
    if (!after.has(days)) after.set(days, days === 0 ? today : calendar.addWorkingDays(today, days).date);
    deadlines.set(p, after.get(days)!);
  }
  return deadlines;
}

/** The campaign's units as points may name them: with the short names of their 通讯录 entries. */
async function namedUnits(db: Db, settings: CampaignSettings): Promise<NamedUnit[]> {
  const shortNames = new Map((await loadDirectorySnapshot(db)).units.filter((u) => !u.retiredOn).map((u) => [u.id, u.shortNames]));
  return settings.units.map((u) => ({ id: u.id, name: u.name, shortNames: (u.directoryId && shortNames.get(u.directoryId)) || [] }));
}

/** The campaign of an import or entry, running, and today in its zone; refused otherwise. */
async function runningCampaign(db: Db, campaignId: string, now: Date): Promise<{ settings: CampaignSettings; today: string }> {
  const campaign = await loadCampaignStatusAndSettings(db, campaignId);
  if (!campaign) throw new InspectionImportError([fileProblem(`创建活动不存在：${campaignId}`)]);
  if (campaign.status !== 'running') throw new InspectionImportError([fileProblem(`创建活动 ${campaignId} 已结束，不能再录入检查结果`)]);
  return { settings: campaign.settings, today: civilDateAt(now.toISOString(), campaign.settings.timeZone) };
}

/** An inspection without a list, its points to be entered one at a time (a patrol, on a phone). */
export async function createInspection(
  db: Db,
  input: Pick<InspectionImport, 'campaignId' | 'kind' | 'heldOn' | 'title' | 'inspectors' | 'createdBy' | 'now'>,
): Promise<number> {
  const { today } = await runningCampaign(db, input.campaignId, input.now);
  return insertInspection(db, newInspection(input, today, ''));
}

/** The inspection's row: not dated after today, titled by its date and kind unless named. */
function newInspection(input: Pick<InspectionImport, 'campaignId' | 'kind' | 'heldOn' | 'title' | 'inspectors' | 'createdBy'>, today: string, sourceFile: string): NewInspection {
  if (input.heldOn > today) throw new InspectionImportError([fileProblem(`检查日期 ${input.heldOn} 晚于今天（${today}）`)]);
  return {
    campaignId: input.campaignId,
    kind: input.kind,
    heldOn: input.heldOn,
    title: input.title?.trim() || `${input.heldOn} ${INSPECTION_KIND_NAMES[input.kind]}`,
    inspectors: input.inspectors?.trim() ?? '',
    sourceFile,
    createdBy: input.createdBy,
  };
}

export interface PointEntry {
  campaignId: string;
  inspectionId: number;
  /** The form's fields, named as POINT_SHEET's columns (number may be blank: the next one). */
  fields: Record<string, string>;
  photos: { fileName: string; data: Buffer }[];
  now: Date;
}

/**
 * One point entered on the console's form (on a phone at the spot, with its camera's photos): the
 * same checks as a row of the list, the next 序号 unless one is given; refused whole with every
 * problem named by its field.
 */
export async function addPoint(db: Db, entry: PointEntry): Promise<{ pointId: number; number: number }> {
  const { settings, today } = await runningCampaign(db, entry.campaignId, entry.now);
  const inspection = await findInspection(db, entry.inspectionId);
  if (!inspection || inspection.campaign_id !== entry.campaignId) throw new InspectionImportError([fileProblem('检查不存在')]);
  const problems: SheetProblem[] = [];
  const header = (field: string) => POINT_SHEET.columns.find((c) => c.field === field)?.header ?? field;
  const problem = (field: string, message: string) => problems.push({ sheet: '', row: 0, column: header(field), message: `「${header(field)}」：${message}` });
  const cells = new Map(Object.entries(entry.fields).map(([k, v]) => [k, v.trim()]));
  if (!cells.get('number')) cells.set('number', '1'); // numbered below, under the inspection's lock
  const point = pointOf(cells, unitFinder(await namedUnits(db, settings)), problem, settings.inspections?.unitRules);
  const deadline = point && (await deadlinesOf(db, entry.campaignId, today, [{ ...point, row: 0 }], fixDaysOf(settings.inspections), (_p, m) => problem('term', m)));
  if (entry.photos.length === 0) problem('photos', '请拍摄或选择至少一张照片');
  const { kept, refusals } = await keepPhotos(entry.photos, settings.timeZone);
  for (const r of refusals) problem('photos', r);
  if (!point || !deadline || problems.length > 0) throw new InspectionImportError(problems);
  return inTransaction(db, async (tx) => {
    const number = entry.fields.number?.trim() ? point.number : await nextPointNumber(tx, entry.inspectionId);
    const ids = await insertPoints(tx, entry.inspectionId, entry.campaignId, [{ ...point, number, deadline: [...deadline.values()][0] }]).catch((error: { code?: string }) => {
      if (error.code === '23505') throw new InspectionImportError([{ sheet: '', row: 0, column: '序号', message: `「序号」：序号 ${number} 已有问题点位` }]);
      throw error;
    });
    const pointId = ids.get(number)!;
    for (const photo of kept) {
      await insertPointPhoto(tx, { pointId, stage: 'before', ...photo });
    }
    return { pointId, number };
  });
}

/**
 * Photos of a point as it was found (整改前), sent after the point (the JSON API enters points
 * without them): the checks of the console's form, refused whole with each photo's problem under
 * 「照片」; the ids of the photos kept. Undefined when the inspection has no point of that 序号.
 */
export async function addPointPhotos(
  db: Db,
  input: { campaignId: string; inspectionId: number; number: number; photos: { fileName: string; data: Buffer }[]; now: Date },
): Promise<number[] | undefined> {
  const { settings } = await runningCampaign(db, input.campaignId, input.now);
  const problem = (message: string): SheetProblem => ({ sheet: '', row: 0, column: '照片', message: `「照片」：${message}` });
  if (input.photos.length === 0) throw new InspectionImportError([problem('请上传至少一张照片')]);
  const { kept, refusals } = await keepPhotos(input.photos, settings.timeZone);
  if (refusals.length > 0) throw new InspectionImportError(refusals.map(problem));
  return inTransaction(db, async (tx) => {
    const id = await findPointId(tx, input.inspectionId, input.number);
    const point = id === undefined ? undefined : await findPoint(tx, id);
    if (!point || point.campaign_id !== input.campaignId) return undefined;
    if (point.status === 'closed') throw new InspectionImportError([problem('该点位已销号，不能再补充照片')]);
    const ids: number[] = [];
    for (const photo of kept) ids.push(await insertPointPhoto(tx, { pointId: point.id, stage: 'before', ...photo }));
    return ids;
  });
}

/** How many points each unit has. */
function perUnit(points: PointDraft[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const p of points) counts.set(p.unitId, (counts.get(p.unitId) ?? 0) + 1);
  return counts;
}

function fileProblem(message: string): SheetProblem {
  return { sheet: '', row: 0, column: '', message };
}

function sorted(problems: SheetProblem[]): SheetProblem[] {
  return [...problems].sort((a, b) => a.row - b.row);
}
