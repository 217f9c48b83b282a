// Small text helpers shared by the plan importer.

/** Han characters (CJK unified ideographs, extension A, compatibility). */
export const HAN = '\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff';
export const HAN_RE = new RegExp(`[${HAN}]`);

/** Something read from the plan, with the line it came from (1-based). */
export interface Note {
  line?: number;
  message: string;
}

/** Removes the spaces that Chinese text does not have: all but those between two ASCII letters or digits. */
export function prose(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(/ (?![A-Za-z0-9])|(?<![A-Za-z0-9]) /g, '')
    .trim();
}

/** Removes every whitespace character. */
export function compact(text: string): string {
  return text.replace(/\s+/g, '');
}

/** Trims leading and trailing punctuation and spaces (keeps closing brackets and quotes that pair with an opening one). */
export function trimPunctuation(text: string): string {
  let t = text.replace(/^[\s，。；：、,.;:！？!?]+/, '').replace(/[\s，。；：、,.;:！？!?]+$/, '');
  // A dangling closing bracket or quote without its opening one.
  for (const [open, close] of [
    ['（', '）'],
    ['“', '”'],
  ] as const) {
    if (t.endsWith(close) && !t.includes(open)) t = t.slice(0, -1);
    if (t.startsWith(open) && !t.includes(close)) t = t.slice(1);
  }
  return t.trim();
}

const CN_DIGITS: Record<string, number> = {
  零: 0,
  〇: 0,
  一: 1,
  二: 2,
  两: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
};

/** Parses 1–999 written in Arabic or Chinese numerals (三, 十二, 二十一, 一百零五). */
export function parseNumeral(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  if (!/^[零〇一二两三四五六七八九十百]+$/.test(text)) return undefined;
  let total = 0;
  let current = 0;
  for (const ch of text) {
    if (ch === '百') {
      total += (current || 1) * 100;
      current = 0;
    } else if (ch === '十') {
      total += (current || 1) * 10;
      current = 0;
    } else {
      current = CN_DIGITS[ch];
    }
  }
  return total + current;
}

/** A sentence of a text, with its offset. */
export interface Sentence {
  text: string;
  offset: number;
}

/** Splits at 。！？ (and ；when asked), keeping the terminator with its sentence. */
export function sentences(text: string, splitSemicolons = false): Sentence[] {
  const out: Sentence[] = [];
  const re = splitSemicolons ? /[^。！？；]*(?:[。！？；]+|$)/g : /[^。！？]*(?:[。！？]+|$)/g;
  for (const m of text.matchAll(re)) {
    if (m[0].trim()) out.push({ text: m[0], offset: m.index ?? 0 });
  }
  return out;
}

/** The most frequent of the values, the earliest seen winning a tie. */
export function mostFrequent<T>(values: T[]): T | undefined {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: T | undefined;
  let bestCount = 0;
  for (const [v, c] of counts) {
    if (c > bestCount) {
      best = v;
      bestCount = c;
    }
  }
  return best;
}

/** Shortens a text for a message. */
export function excerpt(text: string, max = 30): string {
  const t = prose(text);
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

/** 第N行, or 第N段 for a Word document whose lines are paragraphs. */
export function lineRef(line: number | undefined, unit: '行' | '段' = '行'): string {
  return line === undefined ? '' : `第${line}${unit}`;
}
