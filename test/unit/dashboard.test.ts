// The dashboard counts open tasks by the rung they stand on, named by each task's own ladder: an
// enterprise at 全园区通报 (its third rung) is not counted as the default ladder's 约谈.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboard } from '../../client/api/read-model.js';
import { insertCampaign } from '../../db/campaigns.js';
import { recordTaskEvent } from '../../db/events.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { testDefinition } from '../support/definitions.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

describe('dashboard', () => {
  it('names each rung by the task’s own ladder', async () => {
    const definition = testDefinition({
      start: '2027-01-01',
      end: '2027-12-31',
      tasks: ['park', 'lanes', 'market'].map((id) => ({ id, start: '2027-01-04', deadline: '2027-02-26' })),
    });
    await insertCampaign(database.db, definition);
    const climb = (taskId: string, rung: number, rungName: string) =>
      recordTaskEvent(database.db, {
        key: `${taskId}/rung/${rung}`,
        campaignId: definition.id,
        taskId,
        occurredAt: '2027-03-05T01:00:00.000Z',
        kind: 'escalated',
        status: 'overdue',
        rung,
        rungName,
      });
    await climb('park', 3, '全园区通报');
    await climb('lanes', 3, '约谈');
    await climb('market', 2, '督办函');

    const board = await dashboard(database.db, new Date('2027-03-08T02:00:00Z'), definition.id);
    expect(board.byRung).toEqual([
      { rung: 1, name: '逾期通报', count: 0 },
      { rung: 2, name: '督办函', count: 1 },
      { rung: 3, name: '全园区通报', count: 1 },
      { rung: 3, name: '约谈', count: 1 },
      { rung: 4, name: '追责', count: 0 },
    ]);
  });
});
