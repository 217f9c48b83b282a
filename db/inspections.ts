import type { InspectionKind, Severity } from '../domain/inspections.js';
import type { Queryable } from './pool.js';

export interface NewInspection {
  campaignId: string;
  kind: InspectionKind;
  heldOn: string;
  title: string;
  inspectors: string;
  sourceFile: string;
  createdBy: string;
}

export async function insertInspection(db: Queryable, i: NewInspection): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO inspections (campaign_id, kind, held_on, title, inspectors, source_file, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [i.campaignId, i.kind, i.heldOn, i.title, i.inspectors, i.sourceFile, i.createdBy],
  );
  return Number(rows[0].id);
}

export async function findInspection(db: Queryable, id: number): Promise<InspectionRow | undefined> {
  const { rows } = await db.query<InspectionRow>(`${INSPECTIONS_WITH_COUNTS} WHERE i.id = $1 GROUP BY i.id`, [id]);
  return rows[0];
}

/** The next 序号 of an inspection, its row locked so that two entries at once get two numbers. */
export async function nextPointNumber(tx: Queryable, inspectionId: number): Promise<number> {
  await tx.query('SELECT 1 FROM inspections WHERE id = $1 FOR UPDATE', [inspectionId]);
  const { rows } = await tx.query<{ n: number }>('SELECT COALESCE(max(number), 0)::int + 1 AS n FROM inspection_points WHERE inspection_id = $1', [inspectionId]);
  return rows[0].n;
}

export interface NewPoint {
  number: number;
  location: string;
  latitude: number | null;
  longitude: number | null;
  category: string;
  severity: Severity;
  description: string;
  unitId: string;
  deadline: string;
}

/** The points of an inspection in one statement (thousands at a time); their ids by 序号. */
export async function insertPoints(db: Queryable, inspectionId: number, campaignId: string, points: NewPoint[]): Promise<Map<number, number>> {
  if (points.length === 0) return new Map();
  const column = <K extends keyof NewPoint>(k: K) => points.map((p) => p[k]);
  const { rows } = await db.query<{ id: string; number: number }>(
    `INSERT INTO inspection_points (inspection_id, campaign_id, number, location, latitude, longitude, category, severity, description, unit_id, deadline)
     SELECT $1, $2, * FROM unnest($3::int[], $4::text[], $5::float8[], $6::float8[], $7::text[], $8::text[], $9::text[], $10::text[], $11::date[])
     RETURNING id, number`,
    [
      inspectionId,
      campaignId,
      column('number'),
      column('location'),
      column('latitude'),
      column('longitude'),
      column('category'),
      column('severity'),
      column('description'),
      column('unitId'),
      column('deadline'),
    ],
  );
  return new Map(rows.map((r) => [r.number, Number(r.id)]));
}

/** A photo of a point as kept (services/photos.ts keepPhoto gives the rest). */
export interface NewPointPhoto {
  pointId: number;
  stage: 'before' | 'after';
  fileName: string;
  contentType: string;
  content: Buffer;
  thumbnail: Buffer;
  width: number;
  height: number;
  takenAt?: string;
  latitude?: number;
  longitude?: number;
  sha256: string;
}

export async function insertPointPhoto(db: Queryable, p: NewPointPhoto): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO point_photos (point_id, stage, file_name, content_type, content, thumbnail, width, height, taken_at, latitude, longitude, sha256)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
    [p.pointId, p.stage, p.fileName, p.contentType, p.content, p.thumbnail, p.width, p.height, p.takenAt ?? null, p.latitude ?? null, p.longitude ?? null, p.sha256],
  );
  return Number(rows[0].id);
}

export interface InspectionRow {
  id: number;
  campaign_id: string;
  kind: InspectionKind;
  held_on: string;
  title: string;
  inspectors: string;
  source_file: string;
  created_by: string;
  created_at: Date;
  points: number;
  open_points: number;
}

/** A campaign's inspections, latest first, with how many points each found and how many are open. */
export async function listInspections(db: Queryable, campaignId: string): Promise<InspectionRow[]> {
  const { rows } = await db.query<InspectionRow>(
    `${INSPECTIONS_WITH_COUNTS} WHERE i.campaign_id = $1 GROUP BY i.id ORDER BY i.held_on DESC, i.id DESC`,
    [campaignId],
  );
  return rows;
}

const INSPECTIONS_WITH_COUNTS = `
  SELECT i.id::int, i.campaign_id, i.kind, to_char(i.held_on, 'YYYY-MM-DD') AS held_on, i.title, i.inspectors, i.source_file,
         i.created_by, i.created_at,
         count(p.id)::int AS points, (count(p.id) FILTER (WHERE p.status <> 'closed'))::int AS open_points
    FROM inspections i LEFT JOIN inspection_points p ON p.inspection_id = i.id`;

export interface PointRow {
  id: number;
  number: number;
  location: string;
  latitude: number | null;
  longitude: number | null;
  category: string;
  severity: Severity;
  description: string;
  unit_id: string;
  deadline: string;
  status: string;
  dispatched_at: Date | null;
  photos: { id: number; stage: 'before' | 'after'; file_name: string; taken_at: string | null; latitude: number | null; longitude: number | null }[];
}

/** A point's photos (their facts, not their bytes), oldest first, as a column of a query over points `p`. */
const PHOTOS_OF_POINT = `COALESCE((SELECT json_agg(json_build_object('id', f.id, 'stage', f.stage, 'file_name', f.file_name, 'taken_at', f.taken_at,
                                                    'latitude', f.latitude, 'longitude', f.longitude) ORDER BY f.id)
                    FROM point_photos f WHERE f.point_id = p.id), '[]') AS photos`;

/** The points of an inspection by 序号, each with its photos' facts (not their bytes). */
export async function listPoints(db: Queryable, inspectionId: number): Promise<PointRow[]> {
  const { rows } = await db.query<PointRow>(
    `SELECT p.id::int, p.number, p.location, p.latitude, p.longitude, p.category, p.severity, p.description, p.unit_id,
            to_char(p.deadline, 'YYYY-MM-DD') AS deadline, p.status, p.dispatched_at,
            ${PHOTOS_OF_POINT}
       FROM inspection_points p
      WHERE p.inspection_id = $1 ORDER BY p.number`,
    [inspectionId],
  );
  return rows;
}

/** A photo's bytes and whose it is: campaign, unit, inspection and point (序号). */
export interface PointPhotoFile {
  campaign_id: string;
  unit_id: string;
  inspection_id: number;
  number: number;
  file_name: string;
  content_type: string;
  data: Buffer;
}

/** A photo's bytes (the kept photo or its thumbnail) and the campaign it belongs to. */
export async function findPointPhoto(
  db: Queryable,
  id: number,
  variant: 'content' | 'thumbnail',
): Promise<PointPhotoFile | undefined> {
  const { rows } = await db.query<PointPhotoFile>(
    `SELECT p.campaign_id, p.unit_id, p.inspection_id::int, p.number, f.file_name, CASE WHEN $2 = 'thumbnail' THEN 'image/jpeg' ELSE f.content_type END AS content_type,
            CASE WHEN $2 = 'thumbnail' THEN f.thumbnail ELSE f.content END AS data
       FROM point_photos f JOIN inspection_points p ON p.id = f.point_id WHERE f.id = $1`,
    [id, variant],
  );
  return rows[0];
}

/** The thumbnails of an inspection's first `points` points (by 序号), with their size. */
export async function listThumbnails(
  db: Queryable,
  inspectionId: number,
  points: number,
): Promise<{ id: number; data: Buffer; width: number; height: number }[]> {
  const { rows } = await db.query<{ id: number; data: Buffer; width: number; height: number }>(
    `SELECT f.id::int, f.thumbnail AS data, f.width, f.height
       FROM point_photos f
       JOIN (SELECT id FROM inspection_points WHERE inspection_id = $1 ORDER BY number LIMIT $2) p ON p.id = f.point_id
      ORDER BY f.id`,
    [inspectionId, points],
  );
  return rows;
}

/** The first photo before of each of some points that have one, in the order given: its thumbnail for a notice's mail. */
export async function firstPointThumbnails(
  db: Queryable,
  pointIds: number[],
): Promise<{ point_id: number; number: number; location: string; photo_id: number; data: Buffer }[]> {
  const { rows } = await db.query<{ point_id: number; number: number; location: string; photo_id: number; data: Buffer }>(
    `SELECT DISTINCT ON (l.ord) p.id::int AS point_id, p.number, p.location, f.id::int AS photo_id, f.thumbnail AS data
       FROM unnest($1::bigint[]) WITH ORDINALITY AS l(id, ord)
       JOIN inspection_points p ON p.id = l.id
       JOIN point_photos f ON f.point_id = p.id AND f.stage = 'before'
      ORDER BY l.ord, f.id`,
    [pointIds],
  );
  return rows;
}

/** A point as its notices list it. */
export interface DuePoint {
  id: number;
  number: number;
  unit_id: string;
  location: string;
  description: string;
  category: string;
  severity: Severity;
  deadline: string;
  rung: number;
}

const DUE_POINT_COLUMNS = `id::int, number, unit_id, location, description, category, severity, to_char(deadline, 'YYYY-MM-DD') AS deadline, rung`;

/** The points of an inspection not yet sent to their units, by unit and 序号. */
export async function undispatchedPoints(db: Queryable, inspectionId: number): Promise<DuePoint[]> {
  const { rows } = await db.query<DuePoint>(
    `SELECT ${DUE_POINT_COLUMNS} FROM inspection_points WHERE inspection_id = $1 AND dispatched_at IS NULL ORDER BY unit_id, number`,
    [inspectionId],
  );
  return rows;
}

/** Marks points sent (their 交办), with when their first rung is due; a point already marked keeps its time. */
export async function markPointsDispatched(db: Queryable, points: { id: number; nextRungAt: string | null }[], at: string): Promise<void> {
  await db.query(
    `UPDATE inspection_points p SET dispatched_at = $3, next_rung_at = d.next_rung_at
       FROM unnest($1::bigint[], $2::timestamptz[]) AS d(id, next_rung_at)
      WHERE p.id = d.id AND p.dispatched_at IS NULL`,
    [points.map((p) => p.id), points.map((p) => p.nextRungAt), at],
  );
}

/** The open points whose next rung is due at `at`, by unit and 序号. */
export async function pointsWithRungDue(db: Queryable, inspectionId: number, at: string): Promise<DuePoint[]> {
  const { rows } = await db.query<DuePoint>(
    `SELECT ${DUE_POINT_COLUMNS} FROM inspection_points
      WHERE inspection_id = $1 AND next_rung_at <= $2 AND status IN ('open', 'returned') ORDER BY unit_id, number`,
    [inspectionId, at],
  );
  return rows;
}

/** A point has had rung `rung` (a retry that finds it there already changes nothing). */
export async function markPointRung(db: Queryable, id: number, rung: number, nextRungAt: string | null, deadline: string | null): Promise<void> {
  await db.query(
    `UPDATE inspection_points SET rung = $2, next_rung_at = $3, deadline = COALESCE($4::date, deadline) WHERE id = $1 AND rung < $2`,
    [id, rung, nextRungAt, deadline],
  );
}

/** When the inspection next needs the workflow (a rung due), and how many of its points are still open. */
export async function nextPointWake(db: Queryable, inspectionId: number): Promise<{ wake_at: Date | null; open: number; undispatched: number }> {
  const { rows } = await db.query<{ wake_at: Date | null; open: number; undispatched: number }>(
    `SELECT min(next_rung_at) FILTER (WHERE status IN ('open', 'returned')) AS wake_at,
            (count(*) FILTER (WHERE status <> 'closed'))::int AS open,
            (count(*) FILTER (WHERE dispatched_at IS NULL))::int AS undispatched
       FROM inspection_points WHERE inspection_id = $1`,
    [inspectionId],
  );
  return rows[0];
}

/** The latest deadline among some points (YYYY-MM-DD), or undefined when none is found. */
export async function latestPointDeadline(db: Queryable, ids: number[]): Promise<string | undefined> {
  const { rows } = await db.query<{ d: string | null }>("SELECT to_char(max(deadline), 'YYYY-MM-DD') AS d FROM inspection_points WHERE id = ANY ($1::bigint[])", [ids]);
  return rows[0]?.d ?? undefined;
}

/** The id of an inspection's point by its 序号. */
export async function findPointId(db: Queryable, inspectionId: number, number: number): Promise<number | undefined> {
  const { rows } = await db.query<{ id: number }>('SELECT id::int FROM inspection_points WHERE inspection_id = $1 AND number = $2', [inspectionId, number]);
  return rows[0]?.id;
}

/** One point with what deciding on it needs. */
export interface PointRecord {
  id: number;
  inspection_id: number;
  campaign_id: string;
  number: number;
  unit_id: string;
  severity: Severity;
  deadline: string;
  status: string;
  rung: number;
  returns: number;
}

export async function findPoint(db: Queryable, id: number): Promise<PointRecord | undefined> {
  const { rows } = await db.query<PointRecord>(
    `SELECT id::int, inspection_id::int, campaign_id, number, unit_id, severity, to_char(deadline, 'YYYY-MM-DD') AS deadline, status, rung, returns
       FROM inspection_points WHERE id = $1 FOR UPDATE`,
    [id],
  );
  return rows[0];
}

/** A point's new state after an answer, a re-check or a decision on a dispute. */
export interface PointChange {
  status: string;
  deadline?: string;
  unitId?: string;
  /** The next rung's time, or null for none; absent: unchanged. */
  nextRungAt?: string | null;
  returned?: boolean;
  /** Sent again (a reassigned point): the rung starts over and the next dispatch sends it. */
  redispatch?: boolean;
}

export async function updatePoint(db: Queryable, id: number, c: PointChange): Promise<void> {
  await db.query(
    `UPDATE inspection_points SET status = $2, deadline = COALESCE($3::date, deadline), unit_id = COALESCE($4, unit_id),
            next_rung_at = CASE WHEN $5 THEN $6::timestamptz ELSE next_rung_at END,
            returns = returns + CASE WHEN $7 THEN 1 ELSE 0 END,
            rung = CASE WHEN $8 THEN 0 ELSE rung END,
            dispatched_at = CASE WHEN $8 THEN NULL ELSE dispatched_at END
      WHERE id = $1`,
    [id, c.status, c.deadline ?? null, c.unitId ?? null, c.nextRungAt !== undefined || c.redispatch === true, c.nextRungAt ?? null, c.returned === true, c.redispatch === true],
  );
}

export async function insertPointEvent(db: Queryable, e: { pointId: number; kind: string; actor: string; detail: Record<string, unknown>; at: string }): Promise<void> {
  await db.query('INSERT INTO point_events (point_id, kind, actor, detail, occurred_at) VALUES ($1, $2, $3, $4, $5)', [e.pointId, e.kind, e.actor, e.detail, e.at]);
}

/** A unit's points in a campaign that are not closed, or were closed in the last 30 days, by deadline. */
export async function listUnitPoints(db: Queryable, campaignId: string, unitId: string, now: Date): Promise<(PointRow & { inspection_title: string; inspection_id: number })[]> {
  const { rows } = await db.query<PointRow & { inspection_title: string; inspection_id: number }>(
    `SELECT p.id::int, p.number, p.location, p.latitude, p.longitude, p.category, p.severity, p.description, p.unit_id,
            to_char(p.deadline, 'YYYY-MM-DD') AS deadline, p.status, p.dispatched_at, i.title AS inspection_title, i.id::int AS inspection_id,
            ${PHOTOS_OF_POINT}
       FROM inspection_points p JOIN inspections i ON i.id = p.inspection_id
      WHERE p.campaign_id = $1 AND p.unit_id = $2 AND p.dispatched_at IS NOT NULL
        AND (p.status <> 'closed' OR EXISTS (SELECT 1 FROM point_events e WHERE e.point_id = p.id AND e.kind = 'passed' AND e.occurred_at > $3::timestamptz - interval '30 days'))
      ORDER BY p.status = 'closed', p.deadline, i.id, p.number`,
    [campaignId, unitId, now],
  );
  return rows;
}

/** The events of a point, oldest first. */
export async function listPointEvents(db: Queryable, pointIds: number[]): Promise<{ point_id: number; kind: string; actor: string; detail: Record<string, unknown>; occurred_at: Date }[]> {
  const { rows } = await db.query<{ point_id: number; kind: string; actor: string; detail: Record<string, unknown>; occurred_at: Date }>(
    'SELECT point_id::int, kind, actor, detail, occurred_at FROM point_events WHERE point_id = ANY ($1::bigint[]) ORDER BY id',
    [pointIds],
  );
  return rows;
}

/**
 * Per unit, the points whose deadline fell in [start, end]: how many, how many were answered by the
 * end of their deadline and then closed; and how many re-checks returned a point in the period.
 */
export async function pointMetrics(
  db: Queryable,
  campaignId: string,
  period: { start: string; end: string; startsAt: string; endsAt: string },
): Promise<{ unit_id: string; due: number; fixed_on_time: number; returned: number }[]> {
  const { rows } = await db.query<{ unit_id: string; due: number; fixed_on_time: number; returned: number }>(
    `WITH due AS (
       SELECT p.id, p.unit_id, p.status,
              (SELECT max(e.occurred_at) FROM point_events e WHERE e.point_id = p.id AND e.kind = 'answered') AS answered_at,
              (p.deadline + 1)::timestamp AT TIME ZONE c.time_zone AS lapses_at
         FROM inspection_points p JOIN campaigns c ON c.id = p.campaign_id
        WHERE p.campaign_id = $1 AND p.dispatched_at IS NOT NULL AND p.deadline BETWEEN $2::date AND $3::date
     ),
     returned AS (
       SELECT p.unit_id, count(*)::int AS n FROM point_events e JOIN inspection_points p ON p.id = e.point_id
        WHERE p.campaign_id = $1 AND e.kind = 'returned' AND e.occurred_at >= $4 AND e.occurred_at < $5 GROUP BY p.unit_id
     )
     SELECT u.id AS unit_id,
            (SELECT count(*) FROM due WHERE due.unit_id = u.id)::int AS due,
            (SELECT count(*) FROM due WHERE due.unit_id = u.id AND due.status = 'closed' AND due.answered_at < due.lapses_at)::int AS fixed_on_time,
            COALESCE(r.n, 0) AS returned
       FROM units u LEFT JOIN returned r ON r.unit_id = u.id
      WHERE u.campaign_id = $1 ORDER BY u.id`,
    [campaignId, period.start, period.end, period.startsAt, period.endsAt],
  );
  return rows;
}
