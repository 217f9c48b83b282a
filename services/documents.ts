// Renders a notice as an official document (公文): title, addressees, body, signature and date,
// and as the Chinese email (text and HTML) that carries it. The .docx form is in ./docx.ts.
import { DateTime } from 'luxon';
import { COMPLAINT_SOURCES, NOTICE_KINDS, type NoticeDetails, type NoticeKind, type Wording } from '../domain/notices.js';

export interface NoticeFacts {
  campaignTitle: string;
  officeName: string;
  timeZone: string;
  issuedAt: string;
  taskTitle?: string;
  taskDescription?: string;
  leadUnitName?: string;
  /** 主要负责人 of the lead unit. */
  principalName?: string;
  cooperatingUnitNames?: string[];
  /** The task's current 完成时限 (civil date). */
  deadline?: string;
  /** The discipline office's name, addressee of 追责建议. */
  disciplineName?: string;
  details?: NoticeDetails;
  /** The rung's or notice's own wording, replacing the default title or 正文. */
  wording?: Wording;
  /** Names of attachments listed under the 正文 (附件). */
  attachments?: string[];
}

export interface OfficialDocument {
  title: string;
  /** 主送 */
  addressees: string;
  /** Paragraphs of the 正文 */
  paragraphs: string[];
  /** 落款 */
  signature: string;
  /** 成文日期, e.g. 2021年6月30日 */
  dateWritten: string;
}

export function chineseDate(isoDateOrInstant: string, timeZone: string): string {
  const dt = isoDateOrInstant.length === 10
    ? DateTime.fromISO(isoDateOrInstant, { zone: timeZone })
    : DateTime.fromISO(isoDateOrInstant).setZone(timeZone);
  return `${dt.year}年${dt.month}月${dt.day}日`;
}

const WEEKDAYS = ['', '星期一', '星期二', '星期三', '星期四', '星期五', '星期六', '星期日'];

/** e.g. 2027年1月12日（星期二）9:00 */
export function chineseDateTime(instant: string, timeZone: string): string {
  const dt = DateTime.fromISO(instant).setZone(timeZone);
  return `${dt.year}年${dt.month}月${dt.day}日（${WEEKDAYS[dt.weekday]}）${dt.toFormat('H:mm')}`;
}

/** Replaces {任务}-style placeholders; unknown ones stay as written. */
export function fillWording(template: string, values: Record<string, string>): string {
  return template.replace(/\{([^{}]+)\}/g, (whole, key: string) => values[key.trim()] ?? whole);
}

export function renderDocument(kind: NoticeKind, facts: NoticeFacts): OfficialDocument {
  const date = (d: string) => chineseDate(d, facts.timeZone);
  const d = facts.details ?? {};
  const taskName = facts.taskTitle ?? '';
  const task = `“${taskName}”`;
  const unit = facts.leadUnitName ?? '';
  const cooperating = facts.cooperatingUnitNames?.length ? `，${facts.cooperatingUnitNames.join('、')}配合` : '';
  const today = date(facts.issuedAt);
  const deadline = facts.deadline ? date(facts.deadline) : '';
  const rectification = d.rectificationDeadline ? date(d.rectificationDeadline) : '';
  const meeting = d.meetingAt ? chineseDateTime(d.meetingAt, facts.timeZone) : '';
  const deduction = d.deduction ? `${formatPoints(d.deduction)}分` : '';
  const scope = d.noticeScope ?? '全园区';
  const target = d.interviewTarget ?? `你单位主要负责人${facts.principalName ? `${facts.principalName}同志` : ''}`;
  const earlier = d.previousNumbers?.length ? `（${d.previousNumbers.join('、')}）` : '';
  const common = { signature: facts.officeName, dateWritten: today, addressees: `${unit}：` };
  const complaint = d.complaint
    ? `近期，${COMPLAINT_SOURCES[d.complaint.source]}反映${d.complaint.summary ? `：${d.complaint.summary.replace(/[。.]$/, '')}` : '问题'}${d.complaint.reference ? `（${d.complaint.reference}）` : ''}。`
    : '';
  const attachments = facts.attachments?.length
    ? [`附件：${facts.attachments.map((a, i) => (facts.attachments!.length > 1 ? `${i + 1}. ${a}` : a)).join('；')}`]
    : [];

  let doc: OfficialDocument;
  switch (kind) {
    case 'assignment':
    case 'reassignment':
      doc = {
        ...common,
        title: kind === 'assignment' ? `关于交办${task}整治任务的通知` : `关于改派${task}整治任务的通知`,
        paragraphs: [
          kind === 'assignment'
            ? `根据《${facts.campaignTitle}》的安排，现将${task}整治任务交由你单位牵头办理${cooperating}。`
            : `经研究，原由${d.previousUnitName ?? '其他单位'}牵头的${task}整治任务，改由你单位牵头办理${cooperating}。${d.reason ? `改派原因：${d.reason}。` : ''}`,
          `任务内容：${facts.taskDescription || taskName}`,
          `完成时限：${deadline}前。`,
          '请于收到本通知后1个工作日内签收，每周报送工作进展；整改完成后报送佐证材料（正式发文、图片资料、说明报告、数据表格），经核查合格后销号。逾期未完成的，将予以通报并扣减年终绩效分。',
        ],
      };
      break;
    case 'reminder': {
      // A task that reported is reminded only of the parts its sub-units let lapse (转办).
      const lapsed = overdueDelegationLines(d.overdueDelegations ?? [], (x) => `${task}中转交${x.unitName}的“${x.part}”`, date);
      const silent = Boolean(d.silentSince) || lapsed.length === 0;
      doc = {
        ...common,
        title: silent ? `关于督促报送${task}工作进展的催办通知` : '关于督促下级单位办结转办事项的催办通知',
        paragraphs: silent
          ? [
              `你单位牵头的${task}整治任务，自${date(d.silentSince ?? facts.issuedAt)}以来未报送工作进展。`,
              `请于本周内报送整改进展情况。该任务完成时限为${deadline}，请抓紧推进。`,
              ...lapsed,
            ]
          : [...lapsed, `该任务完成时限为${deadline}。`],
      };
      break;
    }
    case 'acknowledgementReminder':
      doc = {
        ...common,
        title: `关于督促签收${task}整治任务的催办通知`,
        paragraphs: [
          `${task}整治任务已交由你单位牵头办理，应于${d.acknowledgeBy ? date(lastDayOf(d.acknowledgeBy)) : ''}前签收，截至${today}仍未签收，已记领办逾期一次${deduction ? `，扣减年终绩效分${deduction}` : ''}。`,
          `请立即签收并组织落实。该任务完成时限为${deadline}。`,
        ],
      };
      break;
    case 'overdue':
      doc = {
        ...common,
        title: `关于${task}整治任务逾期未完成的通报`,
        paragraphs: [
          `${unit}牵头的${task}整治任务，完成时限为${deadline}，截至${today}仍未完成销号，现予以通报${deduction ? `，并按规定扣减年终绩效分${deduction}` : ''}。`,
          '请你单位主要负责人高度重视，立即组织整改，并将整改情况书面报送创建办。',
        ],
      };
      break;
    case 'criticism':
      doc = {
        ...common,
        title: `关于对${unit}予以通报批评的通报`,
        paragraphs: [
          `${unit}牵头的${task}整治任务，完成时限为${deadline}，截至${today}仍未整改到位${earlier ? `，此前已予通报${earlier}` : ''}。经研究，决定对${unit}予以通报批评${deduction ? `，扣减年终绩效分${deduction}` : ''}。`,
          '请你单位认真查找问题，立即整改，并将整改情况书面报送创建办。',
        ],
      };
      break;
    case 'parkWide':
      doc = {
        ...common,
        addressees: '各单位：',
        title: `关于${unit}拒不整改问题的通报`,
        paragraphs: [
          `${unit}牵头的${task}整治任务，完成时限为${deadline}。经逾期通报、下发《督办函》督促${earlier}，该单位仍${d.reasons?.length ? `拒不整改（${d.reasons.join('；')}）` : '屡不整改'}，严重影响创建工作。`,
          `根据《${facts.campaignTitle}》关于企业不配合创建工作、屡不整改或拒不整改的规定，现在${scope}范围内予以通报，并约谈该企业主要负责人${deduction ? `，扣减年终绩效分${deduction}` : ''}。`,
          '各单位要引以为戒，切实履行创建责任，确保各项整治任务按期完成。',
        ],
      };
      break;
    case 'supervisionLetter':
      doc = {
        ...common,
        title: `关于限期整改${task}问题的督办函`,
        paragraphs: d.complaint
          ? [
              complaint,
              `经核实，该问题属你单位职责范围。根据《${facts.campaignTitle}》，现以《督办函》形式交办你单位，请立即组织整改，于${rectification}前整改到位，并将整改情况及佐证材料报送创建办。`,
              '逾期未整改到位的，将约谈你单位主要负责人；仍整改不到位的，将按规定追究相关人员责任。',
            ]
          : [
              `你单位牵头的${task}整治任务，完成时限为${deadline}，已予以逾期通报${earlier}，至今仍未完成销号。`,
              `现予督办，请你单位主要负责人亲自研究部署，于${rectification}前整改到位，并将整改情况及佐证材料报送创建办${deduction ? `；本次扣减年终绩效分${deduction}` : ''}。`,
              '逾期仍未整改到位的，将约谈你单位主要负责人。',
            ],
      };
      break;
    case 'interview':
      doc = {
        ...common,
        title: `关于约谈${unit}主要负责人的通知`,
        paragraphs: [
          `你单位牵头的${task}整治任务${d.complaint ? `（${COMPLAINT_SOURCES[d.complaint.source]}）` : ''}，经${earlier ? `通报、督办${earlier}` : '督办'}，逾期仍未整改到位。`,
          `根据《${facts.campaignTitle}》，定于${meeting}在${facts.officeName}约谈${target}，请准时参加，并书面说明未按期整改的原因及下一步措施。`,
          rectification
            ? `请于${rectification}前整改到位；仍整改不力的，将移交纪检监察部门追究相关人员责任。`
            : '请立即整改到位。',
        ],
      };
      break;
    case 'accountabilityReferral':
      doc = {
        ...common,
        addressees: `${facts.disciplineName ?? '纪检监察室'}：`,
        title: `关于建议追究${unit}相关人员责任的函`,
        paragraphs: [
          `${unit}牵头的${task}整治任务，完成时限为${deadline}。经逾期通报、下发《督办函》限期整改、约谈主要负责人${earlier}，截至${today}仍未整改到位。`,
          `根据《${facts.campaignTitle}》“对仍然整改不得力的，追究相关人员责任”的规定，现将有关情况移交你室，建议依规依纪追究相关责任人的责任。`,
          '该任务的交办、催办、通报、督办、约谈等文书及其送达、签收、报送和期限变更情况，详见附件。',
        ],
      };
      break;
    case 'verificationFailed':
      doc = {
        ...common,
        title: `关于${task}整治任务核查意见的函`,
        paragraphs: [
          `你单位报送的${task}整改佐证材料，经现场核查，未达到销号要求。主要问题：`,
          ...(d.reasons?.length ? d.reasons.map((r, i) => `${i + 1}. ${r.replace(/[。；;]$/, '')}。`) : ['（见核查意见）']),
          `请对照上述问题继续整改，整改完成后重新报送佐证材料。该任务完成时限为${deadline}。`,
        ],
      };
      break;
    case 'extensionDecision': {
      const ext = d.extension;
      const asked = ext?.requestedDeadline ? `延期至${date(ext.requestedDeadline)}` : '延期';
      doc = {
        ...common,
        title: `关于${task}整治任务延期申请的复函`,
        paragraphs: [
          `你单位关于${task}整治任务${asked}的申请收悉。`,
          ext?.approved
            ? `经研究，同意延期，完成时限调整为${ext.newDeadline ? date(ext.newDeadline) : deadline}。请抓紧推进，按期完成。`
            : `经研究，不同意延期，完成时限仍为${deadline}。请加大工作力度，按期完成。`,
          ...(ext?.comment ? [`意见：${ext.comment}`] : []),
        ],
      };
      break;
    }
    case 'withdrawal':
      doc = {
        ...common,
        title: `关于撤销${task}整治任务的通知`,
        paragraphs: [
          `经研究，决定撤销交由你单位牵头办理的${task}整治任务${d.reason ? `，原因：${d.reason.replace(/[。.]$/, '')}` : ''}。`,
          '自本通知印发之日起，该任务不再督办，此前的签收、报送等要求一并取消。',
        ],
      };
      break;
    case 'delegation': {
      // From the lead unit to its sub-unit, sent by the office's system on the lead unit's behalf.
      const part = d.delegation;
      doc = {
        ...common,
        addressees: `${part?.unitName ?? ''}：`,
        title: `关于转办${task}整治任务部分事项的通知`,
        paragraphs: [
          `${unit}牵头的${task}整治任务（完成时限${deadline}），现将以下事项转交你单位办理：${part?.part ?? ''}`,
          `办理期限：${part ? date(part.due) : ''}前。`,
          `请通过下方链接向${unit}报送办理进展，办结后报送办理结果。该任务仍由${unit}向${facts.officeName}负责；逾期未办结的，将在${unit}的催办通知中列明。`,
        ],
      };
      break;
    }
    case 'delegationReport': {
      const part = d.delegation;
      const report = d.delegationReport;
      doc = {
        ...common,
        title: `${part?.unitName ?? ''}报送转办事项${report?.done ? '办理结果' : '办理进展'}`,
        paragraphs: [
          `你单位转交${part?.unitName ?? ''}办理的${task}整治任务事项“${part?.part ?? ''}”（办理期限${part ? date(part.due) : ''}），${part?.unitName ?? ''}于${today}报送${report?.done ? '办理结果，称已办结' : '办理进展'}：`,
          report?.text ?? '',
          `该任务仍由你单位向${facts.officeName}报送进展和佐证材料；请核实后通过下方链接办理。`,
        ],
      };
      break;
    }
    default:
      // A campaign's own notices (digests, bulletins, assessments) compose their 正文 where they are issued.
      throw new Error(`${kind} 不是任务通知，其正文由发文的活动撰写`);
  }

  if (facts.wording) {
    const values: Record<string, string> = {
      任务: taskName,
      责任单位: unit,
      完成时限: deadline,
      整改时限: rectification,
      约谈时间: meeting,
      扣分: deduction,
      创建活动: facts.campaignTitle,
      创建办: facts.officeName,
      今天: today,
      通报范围: scope,
      约谈对象: target,
    };
    if (facts.wording.title) doc.title = fillWording(facts.wording.title, values);
    if (facts.wording.paragraphs) doc.paragraphs = facts.wording.paragraphs.map((p) => fillWording(p, values));
  }
  doc.paragraphs.push(...attachments);
  return doc;
}

/** One task in a notice that lists several (a rung gathered per unit and day). */
export interface ListedTask {
  taskTitle: string;
  /** The task's 完成时限 (civil date). */
  deadline: string;
  details?: NoticeDetails;
}

/**
 * A rung's notice listing the lapses of one unit on one day (docs/notices.md): one 正文, each task
 * with its own 完成时限, 整改时限, deduction and earlier numbers. A rung's own wording is about one
 * task and applies to a notice about one task only.
 */
export function renderListedDocument(
  kind: NoticeKind,
  facts: Pick<NoticeFacts, 'campaignTitle' | 'officeName' | 'timeZone' | 'issuedAt' | 'leadUnitName'>,
  tasks: ListedTask[],
): OfficialDocument {
  const date = (d: string) => chineseDate(d, facts.timeZone);
  const unit = facts.leadUnitName ?? '';
  const n = tasks.length;
  const today = date(facts.issuedAt);
  const line = (t: ListedTask, i: number) => {
    const d = t.details ?? {};
    const parts = [`${i + 1}. “${t.taskTitle}”，完成时限${date(t.deadline)}`];
    if (d.previousNumbers?.length) parts.push(`此前已发${d.previousNumbers.join('、')}`);
    if (d.rectificationDeadline) parts.push(`请于${date(d.rectificationDeadline)}前整改到位`);
    if (d.deduction) parts.push(`扣减年终绩效分${formatPoints(d.deduction)}分`);
    return `${parts.join('，')}。`;
  };
  const listed = tasks.map(line);
  const common = { signature: facts.officeName, dateWritten: today, addressees: `${unit}：` };
  switch (kind) {
    case 'overdue':
      return {
        ...common,
        title: `关于${unit}${n}项整治任务逾期未完成的通报`,
        paragraphs: [
          `${unit}牵头的以下${n}项整治任务，截至${today}仍未完成销号，现予以通报：`,
          ...listed,
          '请你单位主要负责人高度重视，立即组织整改，并将各项任务的整改情况书面报送创建办。',
        ],
      };
    case 'criticism':
      return {
        ...common,
        title: `关于对${unit}予以通报批评的通报`,
        paragraphs: [
          `${unit}牵头的以下${n}项整治任务，截至${today}仍未整改到位：`,
          ...listed,
          `经研究，决定对${unit}予以通报批评。请你单位认真查找问题，立即整改，并将整改情况书面报送创建办。`,
        ],
      };
    case 'supervisionLetter':
      return {
        ...common,
        title: `关于限期整改${n}项整治任务问题的督办函`,
        paragraphs: [
          `你单位牵头的以下${n}项整治任务，已予以逾期通报，至今仍未完成销号：`,
          ...listed,
          '现予督办，请你单位主要负责人亲自研究部署，按上列时限逐项整改到位，并将整改情况及佐证材料报送创建办。',
          '逾期仍未整改到位的，将约谈你单位主要负责人。',
        ],
      };
    case 'parkWide': {
      const scope = tasks[0].details?.noticeScope ?? '全园区';
      return {
        ...common,
        addressees: '各单位：',
        title: `关于${unit}屡不整改问题的通报`,
        paragraphs: [
          `${unit}牵头的以下${n}项整治任务，经逾期通报、下发《督办函》督促，该单位仍屡不整改，严重影响创建工作：`,
          ...listed,
          `根据《${facts.campaignTitle}》关于企业不配合创建工作、屡不整改或拒不整改的规定，现在${scope}范围内予以通报，并约谈该企业主要负责人。`,
          '各单位要引以为戒，切实履行创建责任，确保各项整治任务按期完成。',
        ],
      };
    }
    default:
      return {
        ...common,
        title: `关于${unit}${n}项整治任务的${NOTICE_KINDS[kind].name}`,
        paragraphs: [`${unit}牵头的以下${n}项整治任务：`, ...listed, '请逐项抓紧办理，并将办理情况报送创建办。'],
      };
  }
}

/**
 * The lines of a 催办 about parts the lead unit handed to sub-units (转办) that are past their due
 * date: the lead unit chases them, and still answers for the task. `what` names a part.
 */
export function overdueDelegationLines<T extends { due: string }>(parts: T[], what: (part: T) => string, date: (d: string) => string): string[] {
  if (parts.length === 0) return [];
  return [
    `你单位转办下级单位的以下${parts.length}项事项已超过办理期限，尚未办结：`,
    ...parts.map((x, i) => `${i + 1}. ${what(x)}，办理期限${date(x.due)}。`),
    '请督促下级单位抓紧办结；该任务仍由你单位负责，逾期责任由你单位承担。',
  ];
}

/** The civil day whose end is `lapsesAt` (a deadline lapses at 24:00). */
function lastDayOf(lapsesAt: string): string {
  return new Date(Date.parse(lapsesAt) - 1).toISOString();
}

function formatPoints(points: number): string {
  return Number.isInteger(points) ? String(points) : points.toFixed(2).replace(/0+$/, '');
}

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

export function renderEmail(
  documentNumber: string,
  doc: OfficialDocument,
  options: {
    warning?: string;
    actionUrl?: string;
    actionLabel?: string;
    links?: { label: string; url: string }[];
    /** Pictures inside the HTML (inline parts of the mail, by Content-ID), each after the paragraph it belongs to. */
    figures?: MailFigure[];
    /** Said after the body when not every picture is in the mail. */
    figuresNote?: string;
  } = {},
): EmailContent {
  const label = options.actionLabel ?? ACTION_LINK_LABEL;
  const links = options.links ?? [];
  const text = [
    documentNumber,
    '',
    doc.title,
    '',
    doc.addressees,
    ...doc.paragraphs.map((p) => `    ${p}`),
    '',
    doc.signature,
    doc.dateWritten,
    ...(options.warning ? ['', `【提示】${options.warning}`] : []),
    ...(options.actionUrl ? ['', `${label}：${options.actionUrl}`] : []),
    ...(links.length ? ['', ...links.map((l) => `${l.label}：${l.url}`)] : []),
  ].join('\n');
  // On a phone the link is a button, and its address (kept for copying) wraps instead of running off the screen.
  const button = (url: string, text: string) =>
    `<p style="margin:1.2em 0 .3em"><a href="${escapeHtml(url)}" style="display:inline-block;padding:12px 22px;background:#b42318;color:#ffffff;` +
    `text-decoration:none;border-radius:6px;font-family:sans-serif;font-size:16px;line-height:1.4;max-width:100%;box-sizing:border-box">${escapeHtml(text)}</a></p>`;
  // A thumbnail (320 px) shown at 160: sharp on a phone's 2x screen, small beside the text, never wider than the screen.
  const figures = options.figures ?? [];
  const figure = (f: MailFigure) =>
    `<p style="margin:.2em 0 1em 2em"><img src="cid:${escapeHtml(f.cid)}" alt="${escapeHtml(f.alt)}" width="160" ` +
    `style="display:block;width:160px;max-width:100%;height:auto;border:1px solid #d0d5dd;border-radius:4px"></p>`;
  const address = (url: string, what: string) =>
    `<p style="font-size:12px;color:#667085;word-break:break-all;overflow-wrap:anywhere">${escapeHtml(what)}：${escapeHtml(url)}</p>`;
  const html = [
    '<div style="font-family: FangSong, STFangsong, serif; max-width: 40em; line-height: 1.8; overflow-wrap: anywhere">',
    `<p style="text-align:center">${escapeHtml(documentNumber)}</p>`,
    `<h2 style="text-align:center">${escapeHtml(doc.title)}</h2>`,
    `<p>${escapeHtml(doc.addressees)}</p>`,
    ...doc.paragraphs.flatMap((p, i) => [`<p style="text-indent:2em">${escapeHtml(p)}</p>`, ...figures.filter((f) => f.after === i).map(figure)]),
    ...(options.figuresNote ? [`<p style="text-indent:2em;color:#667085">${escapeHtml(options.figuresNote)}</p>`] : []),
    `<p style="text-align:right">${escapeHtml(doc.signature)}<br>${escapeHtml(doc.dateWritten)}</p>`,
    ...(options.warning ? [`<p style="color:#b00">【提示】${escapeHtml(options.warning)}</p>`] : []),
    ...(options.actionUrl ? [button(options.actionUrl, `打开${label.replace(/（.*$/, '')}`), address(options.actionUrl, label)] : []),
    ...links.map((l) => button(l.url, `打开${l.label}`)),
    '</div>',
  ].join('\n');
  return { subject: `【${documentNumber}】${doc.title}`, text, html };
}

/** A picture inside a mail's HTML: the inline part's Content-ID, its text, and the paragraph (index) it follows. */
export interface MailFigure {
  cid: string;
  alt: string;
  after: number;
}

const ACTION_LINK_LABEL = '办理链接（签收、报送进展、上传佐证材料、申请延期，无需登录）';

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
