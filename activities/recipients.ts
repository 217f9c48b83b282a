import type { CampaignContext, TaskRow } from '../db/campaigns.js';
import type { Unit } from '../domain/definition.js';
import type { Recipient, RecipientList } from '../domain/notices.js';

/** Whom `leadUnit.*` and `cooperatingUnits.*` mean: a task's units, or the one unit a campaign notice is about. */
export type NoticeSubject = Pick<TaskRow, 'lead_unit' | 'cooperating_units'>;

export interface Address {
  name: string;
  address: string;
}

/** Resolves recipient roles to addresses; an address appears once, in `to` before `cc`. */
export function resolveRecipients(
  ctx: CampaignContext,
  task: NoticeSubject | undefined,
  list: RecipientList,
): { to: Address[]; cc: Address[] } {
  const seen = new Set<string>();
  const resolve = (roles: Recipient[]) =>
    roles.flatMap((role) => addressesOf(ctx, task, role)).filter((a) => {
      const key = a.address.toLowerCase();
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  const to = resolve(list.to);
  const cc = resolve(list.cc);
  return { to, cc };
}

function addressesOf(ctx: CampaignContext, task: NoticeSubject | undefined, role: Recipient): Address[] {
  const lead = task ? ctx.units.get(task.lead_unit) : undefined;
  switch (role) {
    case 'leadUnit.contact':
      return lead ? [{ name: `${lead.name} ${lead.contact.name}`, address: lead.contact.email }] : [];
    case 'leadUnit.principal':
      return lead ? [{ name: `${lead.name} ${lead.principal.name}`, address: lead.principal.email }] : [];
    case 'leadUnit.responsibleLeader': {
      const leader = ctx.leaders.find((l) => l.id === lead?.responsibleLeader);
      return leader ? [{ name: leader.name, address: leader.email }] : [];
    }
    case 'cooperatingUnits.contact':
    case 'cooperatingUnits.principal':
      return (task?.cooperating_units ?? [])
        .map((id) => ctx.units.get(id))
        .filter((u) => u !== undefined)
        .map((u) => personOf(u, role.endsWith('principal') ? 'principal' : 'contact'));
    case 'allUnits.contact':
    case 'allUnits.principal':
      return [...ctx.units.values()].map((u) => personOf(u, role.endsWith('principal') ? 'principal' : 'contact'));
    case 'office':
      return [{ name: ctx.office.name, address: ctx.office.email }];
    case 'office.director':
      return ctx.office.director ? [{ name: ctx.office.director.name, address: ctx.office.director.email }] : [];
    case 'office.discipline':
      return ctx.office.discipline
        ? [{ name: ctx.office.discipline.name ?? DISCIPLINE_OFFICE, address: ctx.office.discipline.email }]
        : [];
    case 'superior':
      return ctx.office.superior ? [{ name: ctx.office.superior.name ?? '上级', address: ctx.office.superior.email }] : [];
    default: {
      const leaderRole = role.slice('leaders.'.length);
      return ctx.leaders
        .filter((l) => l.role === leaderRole)
        .map((l) => ({ name: l.name, address: l.email }));
    }
  }
}

export const DISCIPLINE_OFFICE = '纪检监察室';

function personOf(u: Unit, who: 'principal' | 'contact'): Address {
  return { name: `${u.name} ${u[who].name}`, address: u[who].email };
}

/** "Name" <address> with characters that could break a header removed. */
export function formatAddress(a: Address): { name: string; address: string } {
  return { name: a.name.replace(/[\r\n"<>]/g, ' ').trim(), address: a.address.replace(/[\r\n]/g, '') };
}
