// Every side effect a workflow may ask for, built from the services the worker wires in.
import type { Client } from '@temporalio/client';
import type { Transporter } from 'nodemailer';
import type { Db } from '../db/pool.js';
import type { NoticeMetrics } from '../worker/metrics.js';
import { cachedCampaignCalendars } from '../services/calendar.js';
import { createCalendarActivities } from './calendar.js';
import { createAssessmentActivities } from './assessments.js';
import { createDigestActivities } from './digests.js';
import { createNoticeActivities } from './notices.js';
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
}

export function createActivities(services: Services) {
  const notices = createNoticeActivities(services);
  return {
    ...createRecordActivities(services),
    ...notices,
    ...createDigestActivities({ db: services.db, issueNotice: notices.issueNotice }),
    ...createAssessmentActivities(services),
    ...createTaskStartActivities(services),
    ...createCalendarActivities(cachedCampaignCalendars(services.db)),
  };
}

export type Activities = ReturnType<typeof createActivities>;
