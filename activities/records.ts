// Writes to the record: the campaign as started, and every event of every task.
import { insertCampaign } from '../db/campaigns.js';
import { recordTaskEvent, type TaskEvent } from '../db/events.js';
import type { Db } from '../db/pool.js';
import type { CampaignDefinition } from '../domain/definition.js';

export function createRecordActivities({ db }: { db: Db }) {
  return {
    /** Registers the campaign with its units, leaders and tasks; a retry is a no-op. */
    async registerCampaign(definition: CampaignDefinition): Promise<void> {
      await insertCampaign(db, definition);
    },
    async recordTaskEvent(event: TaskEvent): Promise<void> {
      await recordTaskEvent(db, event);
    },
  };
}
