// What a worker reads of a campaign: its settings without the task list, the tasks written in bulk,
// and its calendar kept in memory until schedules are imported.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedCampaignCalendars, saveCalendarYears } from '../../services/calendar.js';
import { insertCampaign, loadCampaignContext, loadCampaignSettings } from '../../db/campaigns.js';
import { definitionSchema } from '../../domain/definition.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { testDefinition } from '../support/definitions.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

const definition = definitionSchema.parse(
  testDefinition({
    start: '2027-01-01',
    end: '2027-12-31',
    tasks: Array.from({ length: 2500 }, (_, i) => ({ id: `t${i}`, start: '2027-01-04', deadline: '2027-03-31' })),
  }),
);

describe('campaign storage', () => {
  it('stores every task in bulk and hands out the settings without them', async () => {
    expect(await insertCampaign(database.db, definition)).toBe(true);
    const { rows } = await database.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM tasks WHERE campaign_id = $1`,
      [definition.id],
    );
    expect(rows[0].n).toBe(2500);
    const settings = await loadCampaignSettings(database.db, definition.id);
    expect(settings).not.toHaveProperty('tasks');
    expect(settings?.units.map((u) => u.id)).toEqual(definition.units.map((u) => u.id));
    const context = await loadCampaignContext(database.db, definition.id);
    expect(context.office.name).toBe(definition.office.name);
    expect(await loadCampaignSettings(database.db, 'no-such-campaign')).toBeUndefined();
  });

  it('keeps a campaign calendar until a schedule is imported, then uses the import', async () => {
    const calendarOf = cachedCampaignCalendars(database.db);
    const before = await calendarOf(definition.id);
    expect(await calendarOf(definition.id)).toBe(before);
    expect(before.coverage(['2027-02-08'])).toEqual([2027]);
    expect(before.isWorkingDay('2027-02-08')).toBe(true);

    await saveCalendarYears(database.db, { '2027': { holidays: ['2027-02-05..2027-02-13'], workdays: ['2027-02-20'] } }, '测试');
    const after = await calendarOf(definition.id);
    expect(after).not.toBe(before);
    expect(after.coverage(['2027-02-08'])).toEqual([]);
    expect(after.isWorkingDay('2027-02-08')).toBe(false);
    expect(after.isWorkingDay('2027-02-20')).toBe(true);
  });
});
