// Console accounts and their sessions.
import type { Queryable } from './pool.js';

export const USER_ROLES = ['admin', 'leader'] as const;
export type UserRole = (typeof USER_ROLES)[number];
export const USER_ROLE_NAMES: Record<UserRole, string> = { admin: '管理员', leader: '领导（只读）' };
export const USER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface UserRow {
  id: number;
  name: string;
  display_name: string;
  role: UserRole;
  password_hash: string;
  disabled: boolean;
  created_at: Date;
  last_login_at: Date | null;
}

export class UserExists extends Error {
  override name = 'UserExists';
}

export async function insertUser(
  db: Queryable,
  user: { name: string; displayName?: string; role: UserRole; passwordHash: string },
): Promise<UserRow> {
  try {
    const { rows } = await db.query<UserRow>(
      `INSERT INTO users (name, display_name, role, password_hash) VALUES ($1, $2, $3, $4) RETURNING *`,
      [user.name, user.displayName ?? '', user.role, user.passwordHash],
    );
    return rows[0];
  } catch (error) {
    if ((error as { code?: string }).code === '23505') throw new UserExists(`用户 ${user.name} 已存在`);
    throw error;
  }
}

export async function findUserByName(db: Queryable, name: string): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>('SELECT * FROM users WHERE name = $1', [name]);
  return rows[0];
}

export async function findUserById(db: Queryable, id: number): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>('SELECT * FROM users WHERE id = $1', [id]);
  return rows[0];
}

export async function listUsers(db: Queryable): Promise<UserRow[]> {
  const { rows } = await db.query<UserRow>('SELECT * FROM users ORDER BY name');
  return rows;
}

/** A new password ends every session of the account: whoever knew the old one is logged out. */
export async function setUserPassword(db: Queryable, name: string, passwordHash: string): Promise<boolean> {
  const { rowCount } = await db.query('UPDATE users SET password_hash = $2, updated_at = now() WHERE name = $1', [
    name,
    passwordHash,
  ]);
  if (rowCount) await deleteUserSessions(db, name);
  return Boolean(rowCount);
}

/** Ends every console session of an account. */
export async function deleteUserSessions(db: Queryable, name: string): Promise<number> {
  const { rowCount } = await db.query(`DELETE FROM console_sessions WHERE data->>'userName' = $1`, [name]);
  return rowCount ?? 0;
}

// Failed logins per account name (the login limit every console process shares).

export async function recordLoginFailure(db: Queryable, name: string, address: string): Promise<void> {
  await db.query('INSERT INTO login_failures (user_name, address) VALUES ($1, $2)', [name.slice(0, 64), address.slice(0, 64)]);
}

/** Failed logins of a name within the last windowMs milliseconds. */
export async function countLoginFailures(db: Queryable, name: string, windowMs: number): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM login_failures WHERE user_name = $1 AND at > now() - make_interval(secs => $2)`,
    [name.slice(0, 64), windowMs / 1000],
  );
  return rows[0].n;
}

export async function clearLoginFailures(db: Queryable, name: string): Promise<void> {
  await db.query('DELETE FROM login_failures WHERE user_name = $1', [name.slice(0, 64)]);
}

export async function deleteOldLoginFailures(db: Queryable, olderThanMs: number): Promise<number> {
  const { rowCount } = await db.query(`DELETE FROM login_failures WHERE at <= now() - make_interval(secs => $1)`, [olderThanMs / 1000]);
  return rowCount ?? 0;
}

export async function setUserDisabled(db: Queryable, name: string, disabled: boolean): Promise<boolean> {
  const { rowCount } = await db.query('UPDATE users SET disabled = $2, updated_at = now() WHERE name = $1', [name, disabled]);
  if (disabled) await deleteUserSessions(db, name);
  return Boolean(rowCount);
}

export async function recordLogin(db: Queryable, id: number): Promise<void> {
  await db.query('UPDATE users SET last_login_at = now() WHERE id = $1', [id]);
}

// Sessions (used by the console's session store).

export async function readSession(db: Queryable, id: string): Promise<unknown | undefined> {
  const { rows } = await db.query<{ data: unknown }>(
    'SELECT data FROM console_sessions WHERE id = $1 AND expires_at > now()',
    [id],
  );
  return rows[0]?.data;
}

export async function writeSession(db: Queryable, id: string, data: unknown, expiresAt: Date): Promise<void> {
  await db.query(
    `INSERT INTO console_sessions (id, data, expires_at) VALUES ($1, $2, $3)
     ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data, expires_at = EXCLUDED.expires_at`,
    [id, JSON.stringify(data), expiresAt],
  );
}

export async function deleteSession(db: Queryable, id: string): Promise<void> {
  await db.query('DELETE FROM console_sessions WHERE id = $1', [id]);
}

export async function deleteExpiredSessions(db: Queryable): Promise<number> {
  const { rowCount } = await db.query('DELETE FROM console_sessions WHERE expires_at <= now()');
  return rowCount ?? 0;
}
