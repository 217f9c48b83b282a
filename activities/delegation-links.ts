// The link a 转办 mail carries: the sub-unit's own link to what it was handed of a task, under its
// delegation link version (delegationLinkKey), valid like a task link: UNIT_LINK_VALID_DAYS after the
// later of its due date and the day of the mail.
import type { Queryable } from '../db/pool.js';
import { currentLinkVersion, delegationLinkKey } from '../db/unit-links.js';
import { civilDateAt, endOfCivilDay } from '../services/calendar.js';
import { unitLinkFor, type UnitLinkOptions } from '../services/unit-links.js';

export async function delegationLink(
  q: Queryable,
  links: UnitLinkOptions,
  to: { campaignId: string; taskId: string; unitId: string; due: string; issuedAt: string; timeZone: string },
): Promise<string> {
  const { campaignId, taskId, unitId, due, issuedAt, timeZone } = to;
  const deadline = Math.max(Date.parse(endOfCivilDay(due, timeZone)), Date.parse(endOfCivilDay(civilDateAt(issuedAt, timeZone), timeZone)));
  return unitLinkFor(links, {
    scope: 'delegation',
    campaignId,
    taskId,
    unitId,
    deadline: new Date(deadline),
    version: await currentLinkVersion(q, delegationLinkKey(campaignId, taskId, unitId)),
  });
}
