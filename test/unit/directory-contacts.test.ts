// A campaign's unit that stands for a 通讯录 entry reads its principal and contact from the
// directory when a notice is sent: a new contact entered there applies to every later mail of
// running campaigns, and the unit's links in those campaigns stop working (the next mail carries a
// new one to the new address). Real PostgreSQL.
import { afterAll, describe, expect, it } from 'vitest';
import { resolveRecipients } from '../../activities/recipients.js';
import { insertCampaign, loadCampaignContext } from '../../db/campaigns.js';
import { listDirectoryUnits } from '../../db/directory.js';
import { currentLinkVersion } from '../../db/unit-links.js';
import { definitionSchema } from '../../domain/definition.js';
import { applyDirectoryChanges } from '../../services/directory.js';
import { createTestDatabase } from '../support/database.js';
import { testDefinition } from '../support/definitions.js';

const database = await createTestDatabase();
afterAll(() => database.drop());
const { db } = database;

describe('contacts read from the directory at send time', () => {
  it('mails the directory’s current contact, and withdraws the unit’s links when its contact changes', async () => {
    await applyDirectoryChanges(db, {
      units: [
        {
          row: 0,
          create: true,
          set: {
            name: '区综合执法分局',
            kind: 'department',
            'principal.name': '孙立',
            'principal.email': 'sunli@dir.example.org',
            'contact.name': '周敏',
            'contact.email': 'zhoumin@dir.example.org',
          },
        },
      ],
    });
    const [entry] = await listDirectoryUnits(db);
    const base = testDefinition({ start: '2035-01-01', end: '2035-03-31' });
    const def = definitionSchema.parse({ ...base, units: base.units.map((u) => (u.id === 'enforcement' ? { ...u, directoryId: entry.id } : u)) });
    await insertCampaign(db, def);
    const versions = async (unitId: string) => ({
      task: await currentLinkVersion(db, { campaignId: def.id, taskId: 'lanes', unitId }),
      materials: await currentLinkVersion(db, { campaignId: def.id, unitId }),
    });
    const task = { lead_unit: 'enforcement', cooperating_units: ['utilities'] };
    const to = async () => resolveRecipients(await loadCampaignContext(db, def.id), task, { to: ['leadUnit.contact', 'cooperatingUnits.contact'], cc: ['leadUnit.principal'] });

    // The directory's people, not the definition's; a unit without an entry keeps its own.
    expect(await to()).toEqual({
      to: [
        { name: '区综合执法分局 周敏', address: 'zhoumin@dir.example.org' },
        { name: '区公用事业局 区公用事业局联络员', address: 'gy@test.example.org' },
      ],
      cc: [{ name: '区综合执法分局 孙立', address: 'sunli@dir.example.org' }],
    });
    expect(await versions('enforcement')).toEqual({ task: 0, materials: 0 });

    // A short name added: nobody's address changed, the links stand.
    await applyDirectoryChanges(db, { units: [{ row: 0, id: entry.id, set: { shortNames: ['区执法局'] } }] });
    expect(await versions('enforcement')).toEqual({ task: 0, materials: 0 });

    // A new contact: the next mail goes to her, and the unit's links handed out before stop working.
    await applyDirectoryChanges(db, { units: [{ row: 0, id: entry.id, set: { 'contact.name': '钱进', 'contact.email': 'qianjin@dir.example.org' } }] });
    expect((await to()).to[0]).toEqual({ name: '区综合执法分局 钱进', address: 'qianjin@dir.example.org' });
    expect((await to()).cc).toEqual([{ name: '区综合执法分局 孙立', address: 'sunli@dir.example.org' }]);
    expect(await versions('enforcement')).toEqual({ task: 1, materials: 1 });
    expect(await versions('utilities')).toEqual({ task: 0, materials: 0 });

    // Retired from the directory: the campaign falls back to the people its definition names, and the links go.
    await applyDirectoryChanges(db, { units: [{ row: 0, id: entry.id, set: { retiredOn: '2035-02-01' } }] });
    expect((await to()).to[0]).toEqual({ name: '区综合执法分局 区综合执法分局联络员', address: 'zf@test.example.org' });
    expect(await versions('enforcement')).toEqual({ task: 2, materials: 2 });
  });
});
