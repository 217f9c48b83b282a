// Every side effect a workflow may ask for, built from the services the worker wires in.
import type { Client } from '@temporalio/client';
import type { Transporter } from 'nodemailer';
import type { Db } from '../db/pool.js';
import type { NoticeMetrics } from '../worker/metrics.js';
import { cachedCampaignCalendars } from '../services/calendar.js';
import { createChannelDelivery, type ChannelConfig, type ChannelDelivery } from '../services/channels/delivery.js';
import { createCalendarActivities } from './calendar.js';
import { createAssessmentActivities } from './assessments.js';
import { createDigestActivities } from './digests.js';
import { createInspectionActivities } from './inspections.js';
import { createNoticeActivities, type GatherWindow } from './notices.js';
import { createRecordActivities } from './records.js';
import { createTaskStartActivities } from './task-starts.js';
import type { UnitLinkOptions } from '../services/unit-links.js';

export interface Services {
  db: Db;
  mailer: Transporter;
  /** Sender of every notice; defaults to the campaign office's address. */
  mailFrom?: string;
  /** Counters for notices sent, SMTP failures and escalations; absent: nothing is counted. */
  metrics?: NoticeMetrics;
  /** Where the unit portal is and the secret that signs its links; absent: mails carry no link. */
  links?: UnitLinkOptions;
  /** Starts task workflows (createWorker gives it the worker's own connection). */
  temporal?: Client;
  /** How long a rung notice gathered per unit and day waits for more tasks; default DEFAULT_GATHER_WINDOW. */
  gatherWindow?: GatherWindow;
  /** SMS and group robots (worker/config.ts, docs/channels.md); absent: notices go by e-mail only. */
  channels?: ChannelConfig;
  /** The senders of `channels`, built once per worker (createWorker); built here when absent. */
  channelDelivery?: ChannelDelivery;
}

export function createActivities(services: Services) {
  const { channels, channelDelivery } = services;
  const delivery = channelDelivery ?? (channels ? createChannelDelivery(services.db, channels) : undefined);
  const notices = createNoticeActivities({
    ...services,
    channels: delivery ? { delivery, signName: channels?.sms?.signName } : undefined,
  });
  return {
    ...createRecordActivities(services),
    ...notices,
    ...createDigestActivities({ db: services.db, issueNotice: notices.issueNotice, issueNotices: notices.issueNotices }),
    ...createInspectionActivities({ db: services.db, issueNotices: notices.issueNotices }),
    ...createAssessmentActivities(services),
    ...createTaskStartActivities(services),
    ...createCalendarActivities(cachedCampaignCalendars(services.db)),
  };
}

export type Activities = ReturnType<typeof createActivities>;
