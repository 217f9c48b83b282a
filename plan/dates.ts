// Dates as plans write them: 2015年1月―2015年3月, 2016年7月―12月, 3月底前, 2021年6月30日前, 2016-2018年.

export interface DateRange {
  start: string;
  end: string;
  /** The words it was read from. */
  text: string;
  index: number;
}

export function isoDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

export function lastDayOfMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function validDate(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= lastDayOfMonth(year, month) && year >= 1990 && year <= 2100;
}

type Edge = 'start' | 'end';

/** A day of a month given loosely: 上旬, 中旬, 下旬, 初, 底, 末, or nothing (the month's first or last day). */
function dayOf(year: number, month: number, day: string | undefined, part: string | undefined, edge: Edge): number {
  if (day) return Number(day);
  switch (part) {
    case '初':
    case '上旬':
      return edge === 'start' ? 1 : 10;
    case '中旬':
    case '中':
      return edge === 'start' ? 11 : 20;
    case '下旬':
      return edge === 'start' ? 21 : lastDayOfMonth(year, month);
    case '底':
    case '末':
      return lastDayOfMonth(year, month);
    default:
      return edge === 'start' ? 1 : lastDayOfMonth(year, month);
  }
}

const PART = '(上旬|中旬|下旬|初|底|末|中)?';
const DASH = '(?:—|-|~|～|至|到)';
const MONTH_RANGE = new RegExp(
  `(?:(\\d{4}) ?年)? ?(\\d{1,2}) ?月(?:(\\d{1,2}) ?[日号])?${PART} ?${DASH}+ ?(?:(\\d{4}) ?年)? ?(\\d{1,2}) ?月(?:(\\d{1,2}) ?[日号])?${PART}`,
  'g',
);
const DAY_RANGE = new RegExp(`(?:(\\d{4}) ?年)? ?(\\d{1,2}) ?月(\\d{1,2}) ?[日号] ?${DASH}+ ?(\\d{1,2}) ?[日号]`, 'g');
const DOT_RANGE = new RegExp(`(\\d{4})\\.(\\d{1,2})(?:\\.(\\d{1,2}))? ?${DASH}+ ?(?:(\\d{4})\\.)?(\\d{1,2})(?:\\.(\\d{1,2}))?(?![\\d.])`, 'g');
const YEAR_RANGE = new RegExp(`(\\d{4}) ?年? ?${DASH}+ ?(\\d{4}) ?年`, 'g');

/** Date ranges in a text; a missing year is taken from the range's other end or from defaultYear. */
export function findDateRanges(text: string, defaultYear: number): DateRange[] {
  const out: DateRange[] = [];
  for (const m of text.matchAll(MONTH_RANGE)) {
    const y1 = m[1] ? Number(m[1]) : m[5] ? Number(m[5]) : defaultYear;
    const y2 = m[5] ? Number(m[5]) : Math.max(y1, m[1] ? Number(m[1]) : defaultYear);
    let endYear = y2;
    const m1 = Number(m[2]);
    const m2 = Number(m[6]);
    if (!m[5] && m2 < m1) endYear = y1 + 1; // 11月—2月
    const start = { y: y1, m: m1, d: 0 };
    const end = { y: endYear, m: m2, d: 0 };
    if (start.m < 1 || start.m > 12 || end.m < 1 || end.m > 12) continue;
    start.d = dayOf(start.y, start.m, m[3], m[4], 'start');
    end.d = dayOf(end.y, end.m, m[7], m[8], 'end');
    if (!validDate(start.y, start.m, start.d) || !validDate(end.y, end.m, end.d)) continue;
    out.push({ start: isoDate(start.y, start.m, start.d), end: isoDate(end.y, end.m, end.d), text: m[0], index: m.index ?? 0 });
  }
  for (const m of text.matchAll(DAY_RANGE)) {
    if (out.some((r) => overlaps(r, m))) continue;
    const y = m[1] ? Number(m[1]) : defaultYear;
    const month = Number(m[2]);
    const [d1, d2] = [Number(m[3]), Number(m[4])];
    if (!validDate(y, month, d1) || !validDate(y, month, d2)) continue;
    out.push({ start: isoDate(y, month, d1), end: isoDate(y, month, d2), text: m[0], index: m.index ?? 0 });
  }
  for (const m of text.matchAll(DOT_RANGE)) {
    if (out.some((r) => overlaps(r, m))) continue;
    const y1 = Number(m[1]);
    const y2 = m[4] ? Number(m[4]) : y1;
    const [m1, m2] = [Number(m[2]), Number(m[5])];
    if (m1 < 1 || m1 > 12 || m2 < 1 || m2 > 12) continue;
    const d1 = m[3] ? Number(m[3]) : 1;
    const d2 = m[6] ? Number(m[6]) : lastDayOfMonth(y2, m2);
    if (!validDate(y1, m1, d1) || !validDate(y2, m2, d2)) continue;
    out.push({ start: isoDate(y1, m1, d1), end: isoDate(y2, m2, d2), text: m[0], index: m.index ?? 0 });
  }
  for (const m of text.matchAll(YEAR_RANGE)) {
    if (out.some((r) => overlaps(r, m))) continue;
    const [y1, y2] = [Number(m[1]), Number(m[2])];
    if (y2 < y1 || !validDate(y1, 1, 1) || !validDate(y2, 12, 31)) continue;
    out.push({ start: isoDate(y1, 1, 1), end: isoDate(y2, 12, 31), text: m[0], index: m.index ?? 0 });
  }
  return out.sort((a, b) => a.index - b.index);
}

function overlaps(range: DateRange, m: RegExpMatchArray): boolean {
  const a = m.index ?? 0;
  const b = a + m[0].length;
  return a < range.index + range.text.length && range.index < b;
}

export interface FoundDate {
  date: string;
  text: string;
}

const SINGLE = new RegExp(`(?:(\\d{4}) ?年)? ?(\\d{1,2}) ?月(?:(\\d{1,2}) ?[日号])?${PART}`, 'g');

/**
 * A deadline: in a label's value any date counts (完成时限：2021年6月底); in running text only one followed by
 * 前 / 以前 / 为止 / 完成 (于6月30日前完成).
 */
export function findDeadline(text: string, defaultYear: number, labelled: boolean): FoundDate | undefined {
  // Blanks for the year (____年, 20xx年, 20××年) are the plan's own year.
  text = text.replace(/(?:_{2,}|＿{2,}|20[xX×＿_]{2}|二〇[×＿_]{2}) ?年/g, `${defaultYear}年`);
  if (labelled) return deadlineIn(text, defaultYear, true);
  // In running text the whole item is due when its last dated step is: the latest date said with 前 / 完成.
  let latest: FoundDate | undefined;
  for (const clause of text.split(/(?<=[。；，])/)) {
    const found = deadlineIn(clause, defaultYear, false);
    if (found && (!latest || found.date > latest.date)) latest = found;
  }
  return latest;
}

const QUARTER_END = ['03-31', '06-30', '09-30', '12-31'];

/** 第一季度, 二季度末, 上半年, 下半年, 年中: the end of that part of the year. */
function partOfYear(text: string, defaultYear: number, labelled: boolean): FoundDate | undefined {
  const after = labelled ? '' : '(?=(?:之?前|以前|末|底|内|完成|结束|全面完成|基本完成))';
  const y = '(?:(\\d{4}) ?年)?';
  const quarter = new RegExp(`${y}(?:第)?([一二三四1-4])季度${after}`).exec(text);
  if (quarter) {
    const year = quarter[1] ? Number(quarter[1]) : defaultYear;
    const n = parseInt(quarter[2], 10) || '一二三四'.indexOf(quarter[2]) + 1;
    return { date: `${year}-${QUARTER_END[n - 1]}`, text: quarter[0] };
  }
  const half = new RegExp(`${y}(上半年|年中|下半年)${after}`).exec(text);
  if (half) {
    const year = half[1] ? Number(half[1]) : defaultYear;
    return { date: isoDate(year, half[2] === '下半年' ? 12 : 6, half[2] === '下半年' ? 31 : 30), text: half[0] };
  }
  return undefined;
}

function deadlineIn(text: string, defaultYear: number, labelled: boolean): FoundDate | undefined {
  if (!/\d{1,2} ?月/.test(text)) {
    const part = partOfYear(text, defaultYear, labelled);
    if (part) return part;
  }
  if (labelled && /年底|年末|年内|全年/.test(text) && !/\d{1,2} ?月/.test(text)) {
    const y = /(\d{4}) ?年/.exec(text);
    const year = y ? Number(y[1]) : defaultYear;
    return { date: isoDate(year, 12, 31), text };
  }
  const yearEnd = /(?:(\d{4}) ?年)?(?:年底|年末)(?:之?前|以前)/.exec(text);
  if (!labelled && yearEnd && !/\d{1,2} ?月[^，。；]{0,6}(?:之?前|以前)/.test(text)) {
    return { date: isoDate(yearEnd[1] ? Number(yearEnd[1]) : defaultYear, 12, 31), text: yearEnd[0] };
  }
  const dotted = labelled ? /(\d{4})\.(\d{1,2})(?:\.(\d{1,2}))?(?![\d.])/.exec(text) : null;
  if (dotted) {
    const [y, mo] = [Number(dotted[1]), Number(dotted[2])];
    const d = dotted[3] ? Number(dotted[3]) : mo >= 1 && mo <= 12 ? lastDayOfMonth(y, mo) : 0;
    if (validDate(y, mo, d)) return { date: isoDate(y, mo, d), text: dotted[0] };
  }
  for (const m of text.matchAll(SINGLE)) {
    const after = text.slice((m.index ?? 0) + m[0].length, (m.index ?? 0) + m[0].length + 4);
    if (!labelled && !/^ ?(之前|以前|前|为止|完成|止)/.test(after)) continue;
    const year = m[1] ? Number(m[1]) : defaultYear;
    const month = Number(m[2]);
    if (month < 1 || month > 12) continue;
    const day = dayOf(year, month, m[3], m[4], 'end');
    if (!validDate(year, month, day)) continue;
    return { date: isoDate(year, month, day), text: m[0] + (labelled ? '' : after.match(/^ ?(之前|以前|前|为止|完成|止)/)?.[0] ?? '') };
  }
  return undefined;
}

/** Years written as 2021年 outside document numbers (〔2021〕) and titles (《…》). */
export function yearsMentioned(text: string): number[] {
  const plain = text.replace(/《[^《》]*》/g, '').replace(/〔\d{4}〕/g, '');
  return [...plain.matchAll(/(?<!\d)(\d{4}) ?年/g)].map((m) => Number(m[1])).filter((y) => y >= 1990 && y <= 2100);
}
