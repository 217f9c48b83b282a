// Normalises the text of a plan line by line (line numbers are kept): Traditional → Simplified,
// full-width letters and digits, Chinese punctuation, and the noise of scraped pages.
import * as OpenCC from 'opencc-js/t2cn';
import { unitSentenceStarts } from './labels.js';
import { unpipeTables } from './tables.js';
import { HAN, parseNumeral, type Note } from './text.js';

const CN_DIGIT: Record<string, string> = { 〇: '0', '○': '0', 零: '0', 一: '1', 二: '2', 三: '3', 四: '4', 五: '5', 六: '6', 七: '7', 八: '8', 九: '9' };

export interface NormalisedText {
  /** The lines of the text; lineNumbers[i] is the input line lines[i] was read from. */
  lines: string[];
  lineNumbers: number[];
  /** The text was (mostly) in Traditional characters and was converted. */
  converted: boolean;
  notes: Note[];
}

let converter: ((text: string) => string) | undefined;
/** Traditional characters as Simplified (opencc-js, Traditional → mainland Simplified). */
export const toSimplified = (text: string): string => (converter ??= OpenCC.Converter({ from: 't', to: 'cn' }))(text);

const H = `[${HAN}]`;
/** Chinese punctuation that may neighbour noise. */
const CP = '，。；：、！？（）《》“”‘’〈〉【】';

export function normaliseText(text: string): NormalisedText {
  const notes: Note[] = [];
  const raw = text.replace(/^\ufeff/, '').replace(/\r\n?/g, '\n');

  const simplified = toSimplified(raw);
  const converted = countChanged(raw, simplified) > Math.max(3, countHan(raw) * 0.01);

  const lines = simplified.split('\n').map((line, i) => {
    if (line.includes('\ufffd')) {
      notes.push({ line: i + 1, message: '有残缺字符（�），已删除' });
    }
    return normaliseLine(line);
  });
  const numbered = joinWrapped(dropPageFurniture(lines, notes), notes);
  const tables = unpipeTables(numbered.lines, numbered.lineNumbers);
  const kept = { lines: tables.lines, numbers: tables.lineNumbers };
  if (!kept.lines.some(isRunIn)) return { lines: kept.lines, lineNumbers: kept.numbers, converted, notes };

  // Lines that run several headings or labels together (a page flattened into a few huge lines, a paragraph
  // copied without its breaks): broken before each heading and label, each part keeping its line number.
  notes.push({ message: isFlattened(kept.lines) ? '方案几乎没有换行，已在标题和标注前断行后再读取' : '有些段落连写了几个标题或标注，已在标题和标注前断行后再读取' });
  const out: string[] = [];
  const numbers: number[] = [];
  kept.lines.forEach((line, i) => {
    const parts = isRunIn(line) ? splitRunIn(line) : [line];
    for (const part of parts) {
      if (!part.trim() && out.length > 0) continue;
      out.push(part.trim());
      numbers.push(kept.numbers[i]);
    }
  });
  return { lines: out, lineNumbers: numbers, converted, notes };
}

/**
 * Page numbers (— 3 —, 第3页 / 共16页, 3/16), a document viewer's page captions, and running headers (the
 * same short line repeated on every page) are dropped; the line numbers of what stays are kept.
 */
function dropPageFurniture(lines: string[], notes: Note[]): { lines: string[]; lineNumbers: number[] } {
  const PAGE = /^(?:[-—–－~·\s]*\d{1,3}[-—–－~·\s]*|第\s*\d{1,3}\s*页(?:\s*[/／，,]?\s*共\s*\d{1,3}\s*页)?|\d{1,3}\s*[/／]\s*\d{1,3}|.{0,40}_第\d{1,3}页|page\s*\d+(?:\s*of\s*\d+)?)$/i;
  // A running header repeats on every page: three or more times, never close together (unlike table cells).
  const seen = new Map<string, number[]>();
  lines.forEach((l, i) => {
    if (l && l.length <= 40 && !/[|｜]/.test(l)) seen.set(l, [...(seen.get(l) ?? []), i]);
  });
  const counts = new Map<string, number>();
  for (const [l, at] of seen) {
    if (at.length >= 3 && at.every((n, k) => k === 0 || n - at[k - 1] >= 8)) counts.set(l, at.length);
  }
  const out: string[] = [];
  const numbers: number[] = [];
  let dropped = 0;
  lines.forEach((line, i) => {
    // A short line seen on three or more pages that is neither a heading nor a label: a running header.
    const running = line.length >= 4 && (counts.get(line) ?? 0) >= 3 && !/^[●一二三四五六七八九十（(\d①-⑳]/.test(line) && !/[：:]/.test(line);
    if (line && (PAGE.test(line) || running)) {
      dropped++;
      out.push('');
    } else out.push(line);
    numbers.push(i + 1);
  });
  if (dropped > 0) notes.push({ message: `已去掉 ${dropped} 行页码、页眉等版面文字` });
  return { lines: out, lineNumbers: numbers };
}

/** A line that starts a heading or a label: never the rest of the line before it. */
const STARTS_ITEM = /^(?:●|[一二三四五六七八九十]{1,3}、|（[一二三四五六七八九十\d]{1,3}）|\d{1,2}[、.](?!\d)|[①-⑳]|第[一二三四五六七八九十\d]{1,3}[章节条部阶]|(?:责任单位|牵头单位|配合单位|责任部门|牵头部门|主责单位|落实单位|责任主体|协办单位|牵头领导|责任领导|责任人|完成时限|时间节点|时间安排|时限要求|牵头|配合|责任)：)/;

/**
 * Lines broken in the middle of a sentence (a PDF's or a mail's hard wrap): joined to the line they continue.
 * A line goes on when it ends inside a bracket or on a comma, or, in a text wrapped at a fixed width, when it
 * runs to that width without ending its sentence.
 */
function joinWrapped(input: { lines: string[]; lineNumbers: number[] }, notes: Note[]): { lines: string[]; lineNumbers: number[] } {
  const { lines, lineNumbers } = input;
  const lengths = new Map<number, number>();
  for (const l of lines) if (l.length >= 15) lengths.set(l.length, (lengths.get(l.length) ?? 0) + 1);
  let width = 0;
  let best = 0;
  for (const [len] of lengths) {
    let near = 0;
    for (const [other, n] of lengths) if (Math.abs(other - len) <= 2) near += n;
    if (near > best || (near === best && len > width)) [width, best] = [len, near];
  }
  const nonEmpty = lines.filter((l) => l.trim()).length;
  const wrapped = best >= 5 && best >= nonEmpty * 0.3;

  const out: string[] = [];
  const numbers: number[] = [];
  let joined = 0;
  lines.forEach((line, i) => {
    const prev = out.length > 0 ? out[out.length - 1] : undefined;
    if (prev && line.trim() && !STARTS_ITEM.test(line) && continues(prev, wrapped ? width : 0)) {
      out[out.length - 1] = prev + line;
      joined++;
      return;
    }
    out.push(line);
    numbers.push(lineNumbers[i]);
  });
  if (joined > 0) notes.push({ message: `有 ${joined} 处句子被换行截断，已接回上一行` });
  return { lines: out, lineNumbers: numbers };
}

function continues(line: string, width: number): boolean {
  if (!line.trim() || /[|｜]\s*$/.test(line)) return false;
  const open = (line.match(/（/g) ?? []).length - (line.match(/）/g) ?? []).length;
  if (open > 0 && line.length < 400) return true;
  if (/[，、（“‘—]$/.test(line)) return true;
  return width > 0 && line.length >= width - 2 && !/[。！？；：”）》]$/.test(line);
}

const CN_NUM = '[一二三四五六七八九十]{1,3}';
/** Heading markers that may stand inside a run-in line, with their rank (一、 > （一） > 1. > （1） > ①). */
const RUN_IN_MARKERS: { type: string; rank: number; re: RegExp }[] = [
  { type: 'cnComma', rank: 1, re: new RegExp(`(?<![第\\d一二三四五六七八九十])(${CN_NUM})、`, 'g') },
  { type: 'cnParen', rank: 2, re: new RegExp(`（(${CN_NUM})）`, 'g') },
  { type: 'num', rank: 3, re: /(?<![\d.第])(\d{1,2})(?:、|\.(?![\d%]))(?![\d年月日号项条个点])/g },
  { type: 'numParen', rank: 4, re: /（(\d{1,2})）/g },
  { type: 'circled', rank: 5, re: /([①-⑳])/g },
];
/** Label keys that end the text before them even without punctuation ("谭正祥副组长：高志荣"). */
const LABEL_BEFORE = new RegExp(
  '(?<![（(，、；])(?=(?:(?<![副务])组长|(?<!常务)副组长|常务副组长|成员|顾问|(?<![配合主要具体])责任单位|牵头单位|配合单位|' +
    '责任部门|牵头部门|主责单位|落实单位|协办单位|责任主体|责任领导|牵头领导|(?<![具体直接第一])责任人|完成时限|完成时间|时间节点|时间安排|时限要求)：)',
  'g',
);
/** Punctuation after which a heading may start. */
const OPENS = /[。；！？：”）)…\s]$/;
/** "…无污水横流。市容市貌整治：规范户外广告…": the short head of a run-in item after a full stop. */
const RUN_IN_HEAD_BEFORE = /(?<=[。；])(?=[^，。；：、（）“”\s]{2,10}(?:整治|治理|整顿|提升|建设|行动|管理|工程|改造|宣传|教育|创建|服务)：)/g;

const RUN_IN_HEAD_AFTER_HEADING =
  /(?<=[）、][^，。；：（）]{0,8}(?:重点|内容|任务|措施|行动))(?=[^，。；：、（）“”\s]{2,10}(?:整治|治理|整顿|提升|建设|行动|管理|工程|改造|宣传|教育|创建|服务)：)/g;

/** A long line with two or more headings, or a heading or label not at its start. */
function isRunIn(line: string): boolean {
  // Short lines too, when they run a list (①…②…, ●…●…, （一）…（二）…: "其工作任务为：①…；②…；③…") or three
  // sentences each led by its unit.
  if (line.length < 120 && !/[①-⑳][^①-⑳]{2,}[①-⑳]|●[^●]{2,}●|（一）.{2,}（二）|（1）.{2,}（2）/.test(line) && unitSentenceStarts(line).length < 3) return false;
  return runInBreaks(line).length > 0;
}

/** Where a run-in line breaks: before heading markers that stand after punctuation or continue a numbering. */
function runInBreaks(line: string): number[] {
  const found: { at: number; type: string; rank: number; ordinal: number }[] = [];
  for (const m of RUN_IN_MARKERS) {
    for (const hit of line.matchAll(m.re)) {
      const ordinal = /[①-⑳]/.test(hit[1]) ? hit[1].charCodeAt(0) - 0x2460 + 1 : parseNumeral(hit[1]);
      if (ordinal === undefined || (hit.index ?? 0) === 0) continue;
      found.push({ at: hit.index ?? 0, type: m.type, rank: m.rank, ordinal });
    }
  }
  found.sort((a, b) => a.at - b.at);
  // "实施专项整治（一）建筑工地整治……（二）小街巷整治……": a list the line runs through in order, even where no
  // punctuation stands before its markers.
  const followed = (f: (typeof found)[number]) => found.some((g) => g.type === f.type && g.at > f.at && g.ordinal === f.ordinal + 1);
  const breaks: number[] = [];
  const last = new Map<string, number>();
  let lastRank = 0;
  for (const f of found) {
    const before = line.slice(0, f.at);
    const previous = last.get(f.type);
    // The next number of a list already open; the first item of a level below the heading just read
    // ("一、总体思路（一）指导思想"); or, after punctuation, a list starting or restarting.
    const continues = previous !== undefined && f.ordinal === previous + 1;
    const opensLevel = f.ordinal === 1 && previous === undefined && lastRank > 0 && f.rank > lastRank;
    // (Numbers may skip where an excerpt left items out: （二）…………（四）.)
    const afterPunctuation = OPENS.test(before) && (previous === undefined || f.ordinal === 1 || f.ordinal > previous);
    const startsList = f.ordinal === 1 && followed(f);
    if (!continues && !opensLevel && !afterPunctuation && !startsList) continue;
    breaks.push(f.at);
    last.set(f.type, f.ordinal);
    // A higher level restarts the numbering of the levels below it.
    for (const m of RUN_IN_MARKERS) if (m.rank > f.rank) last.delete(m.type);
    lastRank = f.rank;
  }
  for (const m of line.matchAll(LABEL_BEFORE)) if ((m.index ?? 0) > 0) breaks.push(m.index ?? 0);
  // Three or more sentences each led by its unit ("。区城管局负责…。区财政局负责…"): paragraphs run together.
  const led = unitSentenceStarts(line);
  if (led.length >= 3) breaks.push(...led);
  // A bullet starts an item wherever it stands.
  for (const m of line.matchAll(/●/g)) if ((m.index ?? 0) > 0) breaks.push(m.index ?? 0);
  const heads = [...line.matchAll(RUN_IN_HEAD_BEFORE)];
  if (heads.length >= 2) {
    for (const m of heads) breaks.push(m.index ?? 0);
    // The first of them right after the heading that gathers them: "（二）整治重点环境卫生整治：…".
    for (const m of line.matchAll(RUN_IN_HEAD_AFTER_HEADING)) breaks.push(m.index ?? 0);
  }
  return [...new Set(breaks)].sort((a, b) => a - b);
}

function splitRunIn(line: string): string[] {
  const parts: string[] = [];
  let at = 0;
  for (const b of runInBreaks(line)) {
    parts.push(line.slice(at, b));
    at = b;
  }
  parts.push(line.slice(at));
  return parts;
}

/** Few lines for much text: the line breaks were lost. */
function isFlattened(lines: string[]): boolean {
  const text = lines.filter((l) => l.trim());
  const total = text.reduce((n, l) => n + l.length, 0);
  return total > 1000 && total / Math.max(1, text.length) > 400;
}

export function normaliseLine(input: string): string {
  let s = input
    // pinyin a scraped page put after a character: 关(guān)于
    .replace(new RegExp(`(?<=${H})[（(][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,6}[)）]`, 'g'), '')
    // invisible characters and odd spaces
    .replace(/[\u200b-\u200f\u2060\ufeff\ufffd]/g, '')
    .replace(/[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/g, ' ')
    // full-width letters and digits, and the signs of numbers
    .replace(/[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/％/g, '%')
    .replace(/．/g, '.')
    .replace(/＞/g, '>')
    .replace(/＜/g, '<')
    .replace(/＝/g, '=')
    .replace(/[≧]/g, '≥')
    .replace(/[≦]/g, '≤')
    .replace(/／/g, '/')
    .replace(/[―–－﹣]/g, '—')
    // Bullets (●、◆、★、·) are one mark, ●, that starts an item; a tick or a reference mark is dropped.
    .replace(/^\s*[√※]+\s*/, '')
    .replace(/^\s*[●○■□◆◇★☆•▪▶►·・]+\s*(?=[\d（(①-⑳]|[一二三四五六七八九十]{1,3}、)/, '')
    .replace(new RegExp(`[●○■□◆◇★☆•▪▶►]+ *(?=${H}|“)`, 'g'), '●')
    .replace(new RegExp(`^\\s*[·・] *(?=${H}|“)`), '●')
    .replace(/^\s*[○■□◆◇★☆•▪▶►]+\s*/, '')
    // ⑴ and ⒈ (one character each in some fonts) are （1） and 1.
    .replace(/[\u2474-\u2487]/g, (c) => `（${c.charCodeAt(0) - 0x2474 + 1}）`)
    .replace(/[\u2488-\u249b]/g, (c) => `${c.charCodeAt(0) - 0x2488 + 1}.`)
    .replace(/^〔([一二三四五六七八九十\d]{1,3})〕/, '（$1）')
    .replace(/[〞〝]/g, (c) => (c === '〝' ? '“' : '”'))
    .replace(/[「『]/g, '“')
    .replace(/[」』]/g, '”');

  // Dates in Chinese numerals: 二〇二一年三月十五日 → 2021年3月15日
  s = s
    .replace(/([〇○零一二三四五六七八九]{4}) ?年/g, (_, y: string) => `${[...y].map((c) => CN_DIGIT[c]).join('')}年`)
    .replace(/(\d{4}年)([一二三四五六七八九十]{1,2})月/g, (_, y: string, m: string) => `${y}${parseNumeral(m) ?? m}月`)
    .replace(/(\d{1,2}月)([一二三四五六七八九十]{1,3})日/g, (_, m: string, d: string) => `${m}${parseNumeral(d) ?? d}日`);

  // Half-width punctuation in Chinese text: commas, colons, semicolons, brackets.
  s = s
    .replace(/(?<!\d),|,(?!\d)/g, '，')
    .replace(/(?<!\d):|:(?!\d)/g, '：')
    .replace(/;/g, '；')
    .replace(/\(/g, '（')
    .replace(/\)/g, '）')
    .replace(new RegExp(`(?<=${H})\\?|\\?(?=${H})`, 'g'), '？')
    .replace(new RegExp(`(?<=${H})!|!(?=${H})`, 'g'), '！')
    // <title> nested in 《…》
    .replace(new RegExp(`<(?=${H})`, 'g'), '〈')
    .replace(new RegExp(`(?<=${H}|）)>(?![\\d\\s=])`, 'g'), '〉');

  // Scraping noise: a stray "." or "'" (or "`") between Chinese characters, as in 的.要求 or 中的'宣传.
  s = s.replace(new RegExp(`(?<=${H}|[${CP}])\\s*[.'\`]+\\s*(?=${H}|[${CP}])`, 'g'), '');
  // Doubled punctuation.
  s = s.replace(/([，、；。])(\s*\1)+/g, '$1').replace(/，\s*。/g, '。').replace(/、\s*，|，\s*、/g, '，');
  // A dot after a list number: 1． 1。 → 1.; an ASCII full stop ending a Chinese line → 。
  s = s.replace(/^(\s*\d{1,2})\s*[。]/, '$1.').replace(new RegExp(`(?<=${H})\\.\\s*$`), '。');

  return s.replace(/ {2,}/g, ' ').trim();
}

function countHan(text: string): number {
  return (text.match(new RegExp(H, 'g')) ?? []).length;
}

function countChanged(a: string, b: string): number {
  if (a.length !== b.length) return Math.abs(a.length - b.length) + 10;
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}
