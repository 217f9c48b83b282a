// Where a plan comes from: its title, issuing body, year or period, and the superior documents it cites.
import { findDateRanges, isoDate, yearsMentioned } from './dates.js';
import type { PhaseDraft, PlanPeriod, SourceInfo } from './model.js';
import { paragraphs, type PlanDocument } from './structure.js';
import { HAN, mostFrequent, prose, type Note } from './text.js';

const H = `[${HAN}]`;
const ZONE_SUFFIX =
  '经济技术开发区|经济开发区|高新技术产业开发区|高新技术开发区|高新区|工业园区|工业集中区|产业园区|产业集聚区|工业集聚区|开发区|工业园|产业园|保税区|新区|试验区|管理委员会|管委会';
/** Words a place name does not start with (verbs and pronouns before it in a sentence). */
const LEADING_WORDS =
  /^(?:为了|为|把|将|在|对|于|从|向|由|经|和|与|及|是|的|提高|提升|推动|促进|建设|打造|全面|加快|推进|实现|助力|确保|成为|结合|根据|按照|决定|成立|关于|印发|我|本|该|全|各)+/;
const GENERIC_PLACES = /^(?:区|园区|集中区|开发区|新区|工业园区|园|县|市|镇|乡|乡镇|我区|本区|全区|全园区|我市|本市|全市|我县|本县|全县|我镇|本镇|我局|本局|市政府|县政府|区政府|各部门)$/;

/** The first line of a plan, when it is a title: 北海经济开发区2021年创建文明城市实施方案. */
export function detectTitle(doc: PlanDocument): { title: string; line: number } | undefined {
  const candidates = doc.root.blocks.slice(0, 3);
  for (const block of candidates) {
    const text = prose(block.text);
    const wrapped = /关于印发《(.+)》的通知$/.exec(text);
    if (wrapped) return { title: wrapped[1], line: block.line };
    // 绥中县《关于加强城市精细化管理的实施方案》的通知; 张家口市人民政府办公室印发张家口市关于…的意见的通知
    const quoted = /^([^《》，。]{0,20})《(.+)》的通知$/.exec(text);
    if (quoted) return { title: `${/^关于/.test(quoted[2]) ? quoted[1] : ''}${quoted[2]}`, line: block.line };
    const issued = /^[^，。《》]{2,30}?印发(.+(?:方案|计划|意见|办法|要点|规划))的通知$/.exec(text);
    if (issued) return { title: issued[1], line: block.line };
    if (
      text.length <= 60 &&
      !/[，。；：]/.test(text.replace(/^（.*）$/, '')) &&
      /(方案|计划|意见|通知|办法|安排|要点|规划|台账|清单|分解表|任务表|细则)$/.test(text)
    ) {
      return { title: text, line: block.line };
    }
  }
  return undefined;
}

/** 桂办字〔2020〕12号 standing on a line of its own near the top: the plan's own number. */
export function detectDocumentNumber(doc: PlanDocument): { text: string; line: number } | undefined {
  for (const block of doc.root.blocks.slice(0, 5)) {
    const text = prose(block.text);
    if (/^[^，。；]{1,15}〔\d{4}〕\d+号$/.test(text)) return { text, line: block.line };
  }
  return undefined;
}

/** The signature at the end: an issuing body and a date on lines of their own. */
export function detectSignature(doc: PlanDocument): { body?: { text: string; line: number }; date?: { date: string; line: number } } {
  const all = [...paragraphs(doc)].filter((p) => p.block && !p.block.label);
  const tail = all.slice(-4);
  const out: { body?: { text: string; line: number }; date?: { date: string; line: number } } = {};
  for (const p of tail) {
    const text = prose(p.text);
    const d = /^(\d{4}) ?年 ?(\d{1,2}) ?月 ?(\d{1,2}) ?日$/.exec(text);
    if (d) out.date = { date: isoDate(Number(d[1]), Number(d[2]), Number(d[3])), line: p.line };
    else if (
      text.length <= 30 &&
      !/[，。；：]/.test(text) &&
      /(管委会|委员会|办公室|领导小组|人民政府|党工委|政府|办事处|指挥部)$/.test(text)
    ) {
      out.body = { text, line: p.line };
    }
  }
  return out;
}

/** The group the plan sets up: 成立湖南桂阳工业园区管理委员会2020年创建全国文明城市工作领导小组. */
export function groupEstablished(text: string): string | undefined {
  const m = /成立([^。；：]*?(?:领导小组|工作小组|小组|指挥部|工作组))/.exec(text);
  if (!m) return undefined;
  // "成立以园区党工委书记为第一组长…的创建省级文明城市领导小组": the name follows the last 的.
  let name = m[1];
  const de = name.lastIndexOf('的');
  if (de >= 0 && /为/.test(name.slice(0, de))) name = name.slice(de + 1);
  name = name.replace(/^[，、\s]+/, '');
  return name || undefined;
}

/** The place in a group's name: 湖南桂阳工业园区管理委员会 in …管理委员会2020年创建全国文明城市工作领导小组. */
export function placeOfGroup(group: string): string | undefined {
  const m = /^(.+?)(?:\d{4} ?年|创建|创文|创城|文明城市|文明创建|精神文明)/.exec(group);
  if (!m) return undefined;
  const place = m[1].replace(LEADING_WORDS, '');
  if (/创建|创文|创城|文明|省级|全国|全省|以|为/.test(place)) return undefined;
  return place.length >= 2 && !GENERIC_PLACES.test(place) ? place : undefined;
}

/** What the name of an issuing organ ends with. */
const ORGAN =
  '(?:人民政府办公室|人民政府办公厅|人民政府|政府办公室|委员会办公室|领导小组办公室|指挥部办公室|党委办公室|办公室|办公厅|管理委员会|委员会|管委会|党工委|工委|领导小组|指挥部|办事处|人民政府|政府|局|委|厅|办)';
const ORGAN_NAME = new RegExp(`^(${H}[${HAN}（）]{1,30}?${ORGAN})$`);
/** A place name that may stand for the issuing body when the title begins with it: 东湖区, 北海经济开发区. */
const PLACE_NAME = new RegExp(`^${H}{1,12}(?:省|市|县|区|旗|镇|乡|街道|${ZONE_SUFFIX})$`);

/** The issuing organ as the plan's own opening states it, with the line. */
function statedIssuer(doc: PlanDocument): { text: string; line: number } | undefined {
  const top = [...paragraphs(doc)].filter((p) => p.block && !p.block.label).slice(0, 15);
  const organ = (text: string | undefined) => {
    const name = text?.replace(/^.*?〔\d{4}〕\d+号/, '').replace(/^[《“]/, '').replace(LEADING_WORDS, '').trim();
    return name && ORGAN_NAME.test(name) && !GENERIC_PLACES.test(name) ? name : undefined;
  };
  const patterns = [
    /^(.+?)文件$/, // 绥中县人民政府文件
    /^现将(.+?)(?:关于)?《/, // 现将市行政执法局关于《…》转发给你们
    /^(.+?)(?:关于)?印发/, // 张家口市人民政府办公室印发…的通知
    /^(.+?)关于/, // 《武汉市人民政府关于…的意见》, 市行政执法局关于…
    /^（(.+?)）$/, // (市行政执法局) under the title
  ];
  for (const p of top) {
    const text = prose(p.text).replace(/^《|》$/g, '');
    for (const re of patterns) {
      const name = organ(re.exec(text)?.[1]);
      if (name) return { text: name, line: p.line };
    }
  }
  // A page that lost its line breaks: the same, inside the opening text.
  const opening = top.map((p) => prose(p.text)).join('\n').slice(0, 800);
  const inline = [
    new RegExp(`(?:^|[\\s\\d，。：；》”])([${HAN}]{2,24}?${ORGAN})文件`, 'm'),
    new RegExp(`现将([${HAN}]{2,24}?${ORGAN})(?:关于)?《`),
    new RegExp(`(?:^|[\\s\\d，。：；》”])([${HAN}]{2,24}?${ORGAN})(?:关于)?印发`, 'm'),
  ];
  for (const re of inline) {
    const m = re.exec(opening);
    const name = organ(m?.[1]);
    if (name) return { text: name, line: top.find((p) => prose(p.text).includes(name))?.line ?? top[0].line };
  }
  // The signature of the notice that issues the plan: the organ, then the date, on lines of their own.
  for (let i = 0; i + 1 < top.length; i++) {
    const name = organ(prose(top[i].text));
    if (name && /^\d{4} ?年 ?\d{1,2} ?月 ?\d{1,2} ?日$/.test(prose(top[i + 1].text))) return { text: name, line: top[i].line };
  }
  return undefined;
}

export function detectIssuingBody(
  doc: PlanDocument,
  title: string | undefined,
  signature: { text: string; line: number } | undefined,
): { text: string; line?: number } | undefined {
  const stated = statedIssuer(doc);
  if (stated) return stated;
  if (title) {
    // A title that begins with a place: 东湖区2022年创建全国文明城市工作实施方案.
    const m = /^(.+?)(?:\d{4} ?年|关于|创建|创文|创城|文明城市|文明创建)/.exec(title);
    const place = m?.[1].replace(LEADING_WORDS, '');
    if (place && PLACE_NAME.test(place) && !GENERIC_PLACES.test(place)) return { text: place };
  }
  if (signature) return signature;
  for (const p of paragraphs(doc)) {
    const group = groupEstablished(p.text);
    const place = group && placeOfGroup(group);
    if (place) return { text: place, line: p.line };
  }
  // The zone the plan names most often: 北海经济开发区.
  const found: { text: string; line: number }[] = [];
  const re = new RegExp(`(${H}{2,14}?(?:${ZONE_SUFFIX}))`, 'g');
  for (const p of paragraphs(doc)) {
    for (const m of p.text.replace(/《[^》]*》/g, '').matchAll(re)) {
      let place = m[1].replace(LEADING_WORDS, '');
      place = place.replace(/^.*[的和与及]/, '');
      if (place.length >= 4 && !GENERIC_PLACES.test(place) && !/^(?:区|园区|县|市|省)/.test(place)) {
        found.push({ text: place, line: p.line });
      }
    }
  }
  const best = mostFrequent(found.map((f) => f.text));
  return best ? found.find((f) => f.text === best) : undefined;
}

/** 创建全国文明城市, 创建全省文明城市, 创建省级文明城市 … as the plan says it most. */
export function detectCampaignName(text: string): string {
  const names = [...text.matchAll(/创建(全国|全省|省级|市级|州级|国家级)?(?:第.届)?(?:全国)?文明(城市|城区|县城)/g)].map(
    (m) => `创建${m[1] ?? ''}文明${m[2]}`,
  );
  return mostFrequent(names) ?? '创建文明城市';
}

/** The plan's year: the year its text names most (outside 《titles》 and 〔document numbers〕). */
export function detectYear(text: string, fileName: string): { year: number; how: PlanPeriod['how'] } {
  const year = mostFrequent(yearsMentioned(text));
  if (year) return { year, how: 'year' };
  const numbered = mostFrequent([...text.matchAll(/〔(\d{4})〕/g)].map((m) => Number(m[1])));
  if (numbered) return { year: numbered, how: 'year' };
  const fromName = /(?<!\d)(19\d{2}|20\d{2})(?!\d)/.exec(fileName);
  if (fromName) return { year: Number(fromName[1]), how: 'fileName' };
  return { year: new Date().getFullYear(), how: 'today' };
}

/** The campaign's period: the phases' span, else a stated range of years (2021年至2023年), else the year. */
export function detectPeriod(
  doc: PlanDocument,
  year: { year: number; how: PlanPeriod['how'] },
  phases: PhaseDraft[],
): PlanPeriod {
  if (phases.length > 0) {
    const start = phases.map((p) => p.start).sort()[0];
    const end = phases
      .map((p) => p.end)
      .sort()
      .at(-1)!;
    return {
      start,
      end,
      label: `${formatMonth(start)}至${formatMonth(end)}`,
      line: phases[0].line,
      how: 'phases',
      year: Number(start.slice(0, 4)),
    };
  }
  for (const p of paragraphs(doc)) {
    const text = prose(p.text).replace(/《[^》]*》/g, '');
    for (const range of findDateRanges(text, year.year)) {
      // Only whole years state a period (a month range in running text is a task's or a phase's).
      if (!/^\d{4} ?年? ?(?:—|-|~|～|至|到)+ ?\d{4} ?年$/.test(range.text)) continue;
      const y1 = Number(range.start.slice(0, 4));
      const y2 = Number(range.end.slice(0, 4));
      return {
        start: range.start,
        end: range.end,
        label: `${y1}年至${y2}年`,
        line: p.line,
        how: 'range',
        year: y1,
      };
    }
  }
  return {
    start: isoDate(year.year, 1, 1),
    end: isoDate(year.year, 12, 31),
    label: `${year.year}年`,
    how: year.how,
    year: year.year,
  };
}

function formatMonth(date: string): string {
  return `${Number(date.slice(0, 4))}年${Number(date.slice(5, 7))}月`;
}

/** Words before a 《title》 that make it a document the plan follows, not one it talks about. */
const BASIS = /根据|按照|依据|依照|贯彻落实|贯彻|落实|对照|遵照|参照|对标|执行|以/;
const NOT_REFERENCES = /^(督办函|督办通知|督办单|整改通知书?|通报|责任状|承诺书)$/;

/** Superior documents: 《…》 with a document number, or after 根据 / 按照 / 对照 … */
export function detectReferences(doc: PlanDocument): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  const seen = new Set<string>();
  for (const p of paragraphs(doc)) {
    const text = prose(p.text);
    for (const m of text.matchAll(/《([^《》]+)》/g)) {
      const title = m[1];
      if (NOT_REFERENCES.test(title)) continue;
      const after = text.slice((m.index ?? 0) + m[0].length);
      const number = /^（([^（）]*〔\d{4}〕[^（）]*号)）/.exec(after)?.[1];
      const before = text.slice(0, m.index ?? 0);
      const clause = before.slice(Math.max(before.lastIndexOf('。'), before.lastIndexOf('；'), before.lastIndexOf('，')) + 1);
      if (!number && !BASIS.test(clause)) continue;
      if (seen.has(title)) continue;
      seen.add(title);
      out.push({ text: number ? `《${title}》（${number}）` : `《${title}》`, line: p.line });
    }
  }
  return out;
}

export function extractSource(
  doc: PlanDocument,
  fileName: string,
  phases: PhaseDraft[],
  year: { year: number; how: PlanPeriod['how'] },
  warnings: Note[],
): SourceInfo {
  const fullText = doc.lines.join('\n');
  const titled = detectTitle(doc);
  const signature = detectSignature(doc);
  const body = detectIssuingBody(doc, titled?.title, signature.body);
  const campaignName = detectCampaignName(fullText);
  const period = detectPeriod(doc, year, phases);

  let title = titled?.title;
  if (!title) {
    const stem = fileName.replace(/\.[^.]+$/, '').replace(/^.*[\\/]/, '');
    if (new RegExp(H).test(stem) && /(方案|计划|意见)$/.test(stem)) title = stem;
  }
  const titleDefaulted = !titled;
  if (!title) {
    const [y1, y2] = [Number(period.start.slice(0, 4)), Number(period.end.slice(0, 4))];
    const years = period.how === 'range' || period.how === 'phases' ? (y1 === y2 ? `${y1}年` : `${y1}年至${y2}年`) : `${period.year}年`;
    title = `${body?.text ?? ''}${years}${campaignName}实施方案`;
  }
  if (!body) warnings.push({ message: '未能确定发文单位（方案中没有标题、落款或“成立××领导小组”）' });
  if (period.how === 'fileName') {
    warnings.push({ message: `正文没有写年份，按文件名取 ${period.year} 年` });
  } else if (period.how === 'today') {
    warnings.push({ message: `正文和文件名都没有年份，暂取今年（${period.year} 年），请核对起止日期` });
  }
  return {
    title,
    titleLine: titled?.line,
    titleDefaulted,
    issuingBody: body?.text,
    issuingBodyLine: body?.line,
    campaignName,
    period,
    references: detectReferences(doc),
    documentNumber: detectDocumentNumber(doc),
    issueDate: signature.date,
  };
}
