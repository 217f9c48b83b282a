// Official holiday schedules imported into the database (calendar_years, migration 0002), and a
// campaign's own schedules from its definition.
import type { Queryable } from './pool.js';

export interface CalendarYearRow {
  year: number;
  /** 'YYYY-MM-DD' or 'YYYY-MM-DD..YYYY-MM-DD' */
  holidays: string[];
  /** 调休上班日 */
  workdays: string[] | null;
}

/** Every imported year, in order. */
export async function listCalendarYearRows(db: Queryable): Promise<CalendarYearRow[]> {
  const { rows } = await db.query<CalendarYearRow>('SELECT year, holidays, workdays FROM calendar_years ORDER BY year');
  return rows;
}

/** Stores (replaces) one year's schedule. */
export async function upsertCalendarYear(
  db: Queryable,
  y: { year: number; holidays: string[]; workdays: string[]; source?: string },
): Promise<void> {
  await db.query(
    `INSERT INTO calendar_years (year, holidays, workdays, source) VALUES ($1, $2, $3, $4)
     ON CONFLICT (year) DO UPDATE
       SET holidays = EXCLUDED.holidays, workdays = EXCLUDED.workdays,
           source = EXCLUDED.source, imported_at = now()`,
    [y.year, y.holidays, y.workdays, y.source ?? null],
  );
}

/** What changes whenever schedules are imported: their count and the latest import time. */
export async function calendarImportStamp(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ stamp: string }>(
    "SELECT count(*) || '/' || coalesce(max(imported_at)::text, '') AS stamp FROM calendar_years",
  );
  return rows[0].stamp;
}

/**
 * The `calendar` of a campaign's definition: `{ calendar: null }` when it has none, undefined when
 * there is no such campaign.
 */
export async function findCampaignCalendarSetting(db: Queryable, campaignId: string): Promise<{ calendar: unknown } | undefined> {
  const { rows } = await db.query<{ calendar: unknown }>(
    "SELECT COALESCE(settings, definition) -> 'calendar' AS calendar FROM campaigns WHERE id = $1",
    [campaignId],
  );
  return rows[0];
}
