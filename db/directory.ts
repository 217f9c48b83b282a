// 通讯录 (migration 0016): units, people and leadership posts kept across campaigns. Entries are
// retired, never deleted. Every change runs under one advisory lock, so that the checks of the
// whole directory (unique full names, parents without cycles) see what the change writes over.
import type { DirectoryContact, DirectoryPost, DirectoryRobots, DirectorySnapshot, DirectoryUnitKind } from '../domain/directory.js';
import type { Queryable } from './pool.js';

// Any constant works; it only keeps two directory changes from checking the same state at once.
const DIRECTORY_LOCK = 7_310_016;

export interface DirectoryUnitRow {
  id: number;
  name: string;
  short_names: string[];
  kind: DirectoryUnitKind;
  parent_id: number | null;
  principal_name: string;
  principal_post: string;
  principal_email: string;
  principal_mobile: string;
  contact_name: string;
  contact_post: string;
  contact_email: string;
  contact_mobile: string;
  /** Group robots (migration 0025): written out or env:NAME, '' where none. */
  wecom_robot: string;
  dingtalk_robot: string;
  dingtalk_secret: string;
  /** YYYY-MM-DD, or null while in use. */
  retired_on: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface DirectoryPersonRow {
  id: number;
  name: string;
  post: string;
  unit_id: number | null;
  email: string;
  mobile: string;
  retired_on: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface DirectoryPostRow {
  id: number;
  role: DirectoryPost;
  person_id: number;
  unit_ids: number[];
  retired_on: string | null;
  created_at: Date;
  updated_at: Date;
}

/** What a unit holds, as written. */
export interface DirectoryUnitValues {
  name: string;
  shortNames: string[];
  kind: DirectoryUnitKind;
  parentId: number | null;
  principal: DirectoryContact;
  contact: DirectoryContact;
  /** Absent: none. */
  robots?: DirectoryRobots;
  retiredOn: string | null;
}

export interface DirectoryPersonValues {
  name: string;
  post: string;
  unitId: number | null;
  email: string;
  mobile: string;
  retiredOn: string | null;
}

export interface DirectoryPostValues {
  role: DirectoryPost;
  personId: number;
  unitIds: number[];
  retiredOn: string | null;
}

/** Takes the directory's lock until the transaction ends (call inside one). */
export async function lockDirectory(db: Queryable): Promise<void> {
  await db.query('SELECT pg_advisory_xact_lock($1)', [DIRECTORY_LOCK]);
}

export async function listDirectoryUnits(db: Queryable): Promise<DirectoryUnitRow[]> {
  const { rows } = await db.query<DirectoryUnitRow>('SELECT * FROM directory_units ORDER BY name');
  return rows;
}

export async function listDirectoryPeople(db: Queryable): Promise<DirectoryPersonRow[]> {
  const { rows } = await db.query<DirectoryPersonRow>('SELECT * FROM directory_people ORDER BY name, id');
  return rows;
}

export async function listDirectoryPosts(db: Queryable): Promise<DirectoryPostRow[]> {
  const { rows } = await db.query<DirectoryPostRow>(
    `SELECT * FROM directory_posts
     ORDER BY array_position(ARRAY['groupLeader', 'executiveDeputy', 'deputyLeader', 'responsibleLeader'], role), id`,
  );
  // The driver parses bigint[] elements as strings (only bigint itself is set to numbers, in pool.ts).
  return rows.map((r) => ({ ...r, unit_ids: r.unit_ids.map(Number) }));
}

/** The whole directory, retired entries included, as plain data (for plan import). */
export async function loadDirectorySnapshot(db: Queryable): Promise<DirectorySnapshot> {
  const units = await listDirectoryUnits(db);
  const people = await listDirectoryPeople(db);
  const posts = await listDirectoryPosts(db);
  return {
    units: units.map((u) => ({
      id: u.id,
      name: u.name,
      shortNames: u.short_names,
      kind: u.kind,
      principal: { name: u.principal_name, post: u.principal_post, email: u.principal_email, mobile: u.principal_mobile },
      contact: { name: u.contact_name, post: u.contact_post, email: u.contact_email, mobile: u.contact_mobile },
      robots: directoryRobotsOf(u),
      retiredOn: u.retired_on,
    })),
    people: people.map((p) => ({ id: p.id, name: p.name, post: p.post, unitId: p.unit_id, email: p.email, mobile: p.mobile, retiredOn: p.retired_on })),
    posts: posts.map((p) => ({ id: p.id, role: p.role, personId: p.person_id, unitIds: p.unit_ids, retiredOn: p.retired_on })),
  };
}

/** A unit row's robots. */
export function directoryRobotsOf(row: Pick<DirectoryUnitRow, 'wecom_robot' | 'dingtalk_robot' | 'dingtalk_secret'>): DirectoryRobots {
  return { wecom: row.wecom_robot, dingtalk: row.dingtalk_robot, dingtalkSecret: row.dingtalk_secret };
}

const unitParams = (v: DirectoryUnitValues) => [
  v.name,
  v.shortNames,
  v.kind,
  v.parentId,
  v.principal.name,
  v.principal.post,
  v.principal.email,
  v.principal.mobile,
  v.contact.name,
  v.contact.post,
  v.contact.email,
  v.contact.mobile,
  v.retiredOn,
  v.robots?.wecom ?? '',
  v.robots?.dingtalk ?? '',
  v.robots?.dingtalkSecret ?? '',
];

export async function insertDirectoryUnit(db: Queryable, values: DirectoryUnitValues): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO directory_units (name, short_names, kind, parent_id, principal_name, principal_post, principal_email,
       principal_mobile, contact_name, contact_post, contact_email, contact_mobile, retired_on, wecom_robot, dingtalk_robot, dingtalk_secret)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id`,
    unitParams(values),
  );
  return rows[0].id;
}

export async function updateDirectoryUnit(db: Queryable, id: number, values: DirectoryUnitValues): Promise<void> {
  await db.query(
    `UPDATE directory_units SET name = $2, short_names = $3, kind = $4, parent_id = $5, principal_name = $6,
       principal_post = $7, principal_email = $8, principal_mobile = $9, contact_name = $10, contact_post = $11,
       contact_email = $12, contact_mobile = $13, retired_on = $14, wecom_robot = $15, dingtalk_robot = $16, dingtalk_secret = $17,
       updated_at = now()
     WHERE id = $1`,
    [id, ...unitParams(values)],
  );
}

export async function insertDirectoryPerson(db: Queryable, v: DirectoryPersonValues): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO directory_people (name, post, unit_id, email, mobile, retired_on) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [v.name, v.post, v.unitId, v.email, v.mobile, v.retiredOn],
  );
  return rows[0].id;
}

export async function updateDirectoryPerson(db: Queryable, id: number, v: DirectoryPersonValues): Promise<void> {
  await db.query(
    `UPDATE directory_people SET name = $2, post = $3, unit_id = $4, email = $5, mobile = $6, retired_on = $7, updated_at = now()
     WHERE id = $1`,
    [id, v.name, v.post, v.unitId, v.email, v.mobile, v.retiredOn],
  );
}

export async function insertDirectoryPost(db: Queryable, v: DirectoryPostValues): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO directory_posts (role, person_id, unit_ids, retired_on) VALUES ($1, $2, $3, $4) RETURNING id`,
    [v.role, v.personId, v.unitIds, v.retiredOn],
  );
  return rows[0].id;
}

export async function updateDirectoryPost(db: Queryable, id: number, v: DirectoryPostValues): Promise<void> {
  await db.query(
    `UPDATE directory_posts SET role = $2, person_id = $3, unit_ids = $4, retired_on = $5, updated_at = now() WHERE id = $1`,
    [id, v.role, v.personId, v.unitIds, v.retiredOn],
  );
}

/** A unit's principal or contact as the directory has them now ('' where it has none; the mobile normalised on import). */
export interface DirectoryPersonNow {
  name: string;
  email: string;
  mobile: string;
}

/** The current principal, contact and group robots of each unit of a campaign that stands for a directory entry in use. */
export async function directoryPeopleOfCampaign(
  db: Queryable,
  campaignId: string,
): Promise<{ unitId: string; principal: DirectoryPersonNow; contact: DirectoryPersonNow; robots: DirectoryRobots }[]> {
  const { rows } = await db.query<
    {
      unit_id: string;
      principal_name: string;
      principal_email: string;
      principal_mobile: string;
      contact_name: string;
      contact_email: string;
      contact_mobile: string;
    } & Pick<DirectoryUnitRow, 'wecom_robot' | 'dingtalk_robot' | 'dingtalk_secret'>
  >(
    `SELECT u.id AS unit_id, d.principal_name, d.principal_email, d.principal_mobile, d.contact_name, d.contact_email, d.contact_mobile,
            d.wecom_robot, d.dingtalk_robot, d.dingtalk_secret
     FROM units u JOIN directory_units d ON d.id = u.directory_id
     WHERE u.campaign_id = $1 AND d.retired_on IS NULL`,
    [campaignId],
  );
  return rows.map((r) => ({
    unitId: r.unit_id,
    principal: { name: r.principal_name, email: r.principal_email, mobile: r.principal_mobile },
    contact: { name: r.contact_name, email: r.contact_email, mobile: r.contact_mobile },
    robots: directoryRobotsOf(r),
  }));
}

/** Every campaign unit that stands for one of these directory units. */
export async function campaignUnitsOfDirectoryUnits(db: Queryable, directoryIds: number[]): Promise<{ campaignId: string; unitId: string; directoryId: number }[]> {
  const { rows } = await db.query<{ campaign_id: string; id: string; directory_id: string }>(
    'SELECT campaign_id, id, directory_id FROM units WHERE directory_id = ANY ($1::bigint[]) ORDER BY campaign_id, id',
    [directoryIds],
  );
  return rows.map((r) => ({ campaignId: r.campaign_id, unitId: r.id, directoryId: Number(r.directory_id) }));
}
