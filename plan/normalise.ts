// Normalises the text of a plan line by line (line numbers are kept): Traditional → Simplified,
// full-width letters and digits, Chinese punctuation, and the noise of scraped pages.
import * as OpenCC from 'opencc-js/t2cn';
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
const toSimplified = (text: string): string => (converter ??= OpenCC.Converter({ from: 't', to: 'cn' }))(text);

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
  const lineNumbers = lines.map((_, i) => i + 1);
  if (!isFlattened(lines)) return { lines, lineNumbers, converted, notes };

  // A page flattened into a few huge lines: break them before headings and labels, keeping each part's line.
  notes.push({ message: '方案几乎没有换行，已在标题和标注前断行后再读取' });
  const out: string[] = [];
  const numbers: number[] = [];
  lines.forEach((line, i) => {
    for (const part of line.split(BREAK_BEFORE)) {
      if (!part.trim() && out.length > 0) continue;
      out.push(part.trim());
      numbers.push(i + 1);
    }
  });
  return { lines: out, lineNumbers: numbers, converted, notes };
}

/** Few lines for much text: the line breaks were lost. */
function isFlattened(lines: string[]): boolean {
  const text = lines.filter((l) => l.trim());
  const total = text.reduce((n, l) => n + l.length, 0);
  return total > 1000 && total / Math.max(1, text.length) > 400;
}

const BREAK_BEFORE = new RegExp(
  '(?<=[。；！？：”]|\\s)\\s*(?=[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\\d{1,2}[、.](?!\\d)|（\\d{1,2}）|第[一二三四五六七八九十]+(?:阶段|部分|章))' +
    // Role and unit labels end the names before them even without punctuation: "谭正祥副组长：高志荣".
    '|\\s*(?=(?<![副务])组长：|(?<!常务)副组长：|常务副组长：|成员：|顾问：|责任单位：|牵头单位：|配合单位：|责任人：|责任领导：)',
);

export function normaliseLine(input: string): string {
  let s = input
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
    .replace(/^\s*[●○■□◆◇★☆•▪▶►√※]+\s*/, '')
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
