// What a notice says on each channel. The e-mail stays the full document (services/documents.ts);
// an SMS is one short text from a registered template (文号, task or unit, deadline, link), and a
// group robot gets markdown with the list of tasks.
import { DEFAULT_TIME_ZONE } from '../../domain/calendar.js';
import { DELIVERY_GROUPS, type Audience, type DeliveryGroup, type SmsTemplateName } from '../../domain/channels.js';
import { RUNG_INFO } from '../../domain/ladder.js';
import { NOTICE_KINDS, type NoticeKind } from '../../domain/notices.js';
import { chineseDate } from '../documents.js';

/** What a channel message is made of: the facts of the notice the outbox sends. */
export interface ChannelNotice {
  kind: NoticeKind;
  /** 文号, e.g. 北海创城交办〔2027〕3号 */
  number: string;
  /** The document's title, e.g. 关于…的交办通知 */
  title: string;
  officeName: string;
  /** The unit addressed, when the notice is about one unit. */
  unitName?: string;
  /** The tasks it is about, each with its deadline (完成时限 or 整改时限, YYYY-MM-DD). */
  tasks?: { title: string; deadline?: string }[];
  /** The unit's link (to the task, or to its list); leaders and digests have none. */
  link?: string;
  /** The same link as a short one (/l/<code>, services/short-links.ts): what an SMS carries when given. */
  shortLink?: string;
}

// ---------------------------------------------------------------------------------- SMS

/** One text a segment: 70 characters, or 67 each when a text spans several (the signature 【…】 counts). */
export const SMS_SEGMENT_CHARS = 70;
export const SMS_LONG_SEGMENT_CHARS = 67;
/** The whole text at most this many segments: a notice by SMS is a pointer to the document, not the document. */
export const SMS_MAX_SEGMENTS = 3;
export const SMS_MAX_CHARS = SMS_MAX_SEGMENTS * SMS_LONG_SEGMENT_CHARS;
/** Providers refuse template variables longer than this (the link excepted, which is part of the template's registered address). */
export const SMS_MAX_PARAM_CHARS = 35;

/**
 * One template per group of notices, as registered with the provider (the variables keep these
 * names). `${kind}` is the notice's name (交办通知, 逾期通报 …), so the groups' kinds share a template.
 */
export const SMS_TEMPLATES: Record<SmsTemplateName, string> = {
  assignment: '${unit}：${kind}（${number}）“${task}”，完成时限${deadline}，请及时签收办理：${link}',
  rungs: '${unit}：“${task}”已逾期，${kind}（${number}），整改时限${deadline}，请抓紧整改：${link}',
  reminders: '${unit}：${kind}（${number}）“${task}”，完成时限${deadline}，请及时报送进展：${link}',
  escalationAlerts: '${kind}（${number}）：${unit}“${task}”逾期未完成，整改时限${deadline}，详见邮件。',
  digests: '${unit}：${kind}（${number}）已印发，详见邮件。',
  general: '${unit}：${kind}（${number}）“${task}”，详见邮件：${link}',
};

const LINK_IN_MAIL = '见邮件';
const RUNG_NOTICES = new Set<string>(Object.values(RUNG_INFO).map((r) => r.notice));

/** The template of a kind as it reaches this audience. */
export function smsTemplateOf(kind: NoticeKind, audience: Audience): SmsTemplateName {
  if (RUNG_NOTICES.has(kind)) return audience === 'leader' ? 'escalationAlerts' : 'rungs';
  const group = (Object.keys(DELIVERY_GROUPS) as DeliveryGroup[]).find(
    (g) => g !== 'rungs' && g !== 'escalationAlerts' && (DELIVERY_GROUPS[g].kinds as readonly string[]).includes(kind),
  );
  return group ?? 'general';
}

/** A text's characters as a phone counts them (a character outside the BMP is one). */
export const smsLength = (text: string) => [...text].length;

/** Segments a text of this length is sent as. */
export function smsSegments(text: string): number {
  const n = smsLength(text);
  return n <= SMS_SEGMENT_CHARS ? 1 : Math.ceil(n / SMS_LONG_SEGMENT_CHARS);
}

function cut(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, Math.max(max - 1, 1)).join('')}…`;
}

export function renderSmsTemplate(template: string, params: Record<string, string>): string {
  return template.replace(/\$\{(\w+)\}/g, (_, name: string) => params[name] ?? '');
}

export interface SmsText {
  template: SmsTemplateName;
  params: Record<string, string>;
  /** As the phone shows it, the signature first. */
  text: string;
}

/**
 * The SMS of a notice for one audience, within SMS_MAX_CHARS with the signature: the task's
 * title is shortened first, then the link gives way to 见邮件 (a cut link would not open). The
 * short link is preferred to the full one: it fits, and the text takes fewer segments.
 */
export function smsText(notice: ChannelNotice, options: { audience: Audience; signName: string }): SmsText {
  const template = smsTemplateOf(notice.kind, options.audience);
  const tasks = notice.tasks ?? [];
  const first = tasks[0];
  const deadlines = [...new Set(tasks.map((t) => t.deadline).filter((d): d is string => Boolean(d)))].sort();
  // Several tasks: the first named, then 等N项任务 (kept whole when the name is shortened).
  const more = tasks.length > 1 ? `等${tasks.length}项任务` : '';
  const names = { unit: notice.unitName ?? notice.officeName, task: first?.title ?? notice.title };
  const width = { unit: SMS_MAX_PARAM_CHARS, task: SMS_MAX_PARAM_CHARS - smsLength(more) };
  let link = notice.shortLink ?? notice.link ?? LINK_IN_MAIL;
  const params = () => ({
    unit: cut(names.unit, width.unit),
    kind: NOTICE_KINDS[notice.kind].name,
    number: notice.number,
    task: cut(names.task, width.task) + more,
    deadline: deadlines[0] ? chineseDate(deadlines[0], DEFAULT_TIME_ZONE) : '见通知',
    link,
  });
  const text = () => `【${options.signName}】${renderSmsTemplate(SMS_TEMPLATES[template], params())}`;
  const shorten = (name: 'task' | 'unit', floor: number) => {
    width[name] = Math.min(width[name], smsLength(names[name]));
    while (smsLength(text()) > SMS_MAX_CHARS && width[name] > floor) width[name]--;
  };
  shorten('task', 8);
  if (smsLength(text()) > SMS_MAX_CHARS) {
    link = LINK_IN_MAIL;
    // The room the link took is the title's again.
    width.task = SMS_MAX_PARAM_CHARS - smsLength(more);
    shorten('task', 8);
  }
  shorten('unit', 6);
  shorten('task', 2);
  return { template, params: params(), text: text() };
}

// ---------------------------------------------------------------------------------- robots

/** What a group robot receives: markdown, and a plain text for a robot that can @ only in text messages. */
export interface RobotText {
  title: string;
  markdown: string;
  text: string;
}

/** 企业微信 refuses markdown over 4096 bytes and text over 2048; 钉钉 allows more, so these bind both. */
export const ROBOT_MARKDOWN_MAX_BYTES = 4096;
export const ROBOT_TEXT_MAX_BYTES = 2048;
const utf8Bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/** Neither robot documents an escape: brackets that would make a link or a tag are shown full-width. */
function plain(text: string): string {
  return text.replace(/[<>[\]]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
}

/**
 * The robot message of a notice: 文号 and title, the unit, each task with its deadline (as many as
 * fit, then 等 N 项), the link. Mentions are added by the sender, which knows its robot's way.
 */
export function robotText(notice: ChannelNotice): RobotText {
  const name = NOTICE_KINDS[notice.kind].name;
  const date = (d?: string) => (d ? `，时限 ${chineseDate(d, DEFAULT_TIME_ZONE)}` : '');
  const tasks = notice.tasks ?? [];
  const build = (shown: number, markdown: boolean) => {
    const esc = markdown ? plain : (t: string) => t;
    const lines = [
      markdown ? `### ${esc(name)} ${esc(notice.number)}` : `【${name}】${notice.number}`,
      markdown ? `**${esc(notice.title)}**` : notice.title,
    ];
    if (notice.unitName) lines.push(`${markdown ? '> ' : ''}主送：${esc(notice.unitName)}`);
    tasks.slice(0, shown).forEach((t, i) => lines.push(`${markdown ? '- ' : `${i + 1}. `}${esc(t.title)}${date(t.deadline)}`));
    if (shown < tasks.length) lines.push(`……等 ${tasks.length} 项任务，详见邮件`);
    if (notice.link) lines.push(markdown ? `[打开链接办理](${notice.link})` : `办理链接：${notice.link}`);
    lines.push(esc(notice.officeName));
    return lines.join('\n');
  };
  // The most tasks that fit: a notice may list hundreds, so halve rather than count down.
  const fit = (markdown: boolean, maxBytes: number) => {
    let [low, high] = [0, tasks.length];
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (utf8Bytes(build(mid, markdown)) <= maxBytes) low = mid;
      else high = mid - 1;
    }
    return build(low, markdown);
  };
  // Mentions (@13800000000) are appended by the sender: leave them room.
  return { title: `${name} ${notice.number}`, markdown: fit(true, ROBOT_MARKDOWN_MAX_BYTES - 512), text: fit(false, ROBOT_TEXT_MAX_BYTES - 512) };
}
