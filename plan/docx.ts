// Word documents: paragraphs become lines, and a task table (序号 | 工作任务 | 牵头单位 | 配合单位 | 完成时限)
// becomes numbered items with label lines, so that the structure parser reads it like any plan.
import mammoth from 'mammoth';
import { labelWord } from './labels.js';

export async function docxToText(buffer: Buffer): Promise<string> {
  const { value } = await mammoth.convertToHtml({ buffer });
  return htmlToText(value);
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** The text of an HTML fragment, one line per paragraph. */
function blockText(html: string): string[] {
  return decodeEntities(
    html
      .replace(/<br\s*\/?>/gi, '\n')
      .replace(/<\/(p|h[1-6]|li|tr|div)>/gi, '\n')
      .replace(/<img[^>]*>/gi, '')
      .replace(/<[^>]+>/g, ''),
  )
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

/** mammoth's HTML → lines; tables are read row by row. */
export function htmlToText(html: string): string {
  const lines: string[] = [];
  let at = 0;
  for (const table of topLevelTables(html)) {
    lines.push(...blockText(html.slice(at, table.start)));
    lines.push(...tableLines(table.html));
    at = table.end;
  }
  lines.push(...blockText(html.slice(at)));
  return lines.join('\n');
}

function topLevelTables(html: string): { start: number; end: number; html: string }[] {
  const out: { start: number; end: number; html: string }[] = [];
  const re = /<\/?table\b[^>]*>/gi;
  let depth = 0;
  let start = 0;
  for (const m of html.matchAll(re)) {
    if (m[0][1] !== '/') {
      if (depth++ === 0) start = m.index ?? 0;
    } else if (--depth === 0) {
      const end = (m.index ?? 0) + m[0].length;
      out.push({ start, end, html: html.slice(start, end) });
    }
  }
  return out;
}

/** Rows of cells; a cell is the list of its paragraphs. */
function rowsOf(table: string): string[][][] {
  const inner = table.replace(/^<table\b[^>]*>|<\/table>$/gi, '');
  return [...inner.matchAll(/<tr\b[^>]*>([\s\S]*?)<\/tr>/gi)].map((row) =>
    [...row[1].matchAll(/<t[dh]\b[^>]*>([\s\S]*?)<\/t[dh]>/gi)].map((cell) => blockText(cell[1])),
  );
}

type Column = { kind: 'seq' | 'name' | 'text' } | { kind: 'label'; key: string };

const NAME_HEADER =
  /^(工作任务|重点任务|主要任务|具体任务|整治任务|任务名称|任务|项目名称|项目|工作事项|事项|工作内容|整治内容|内容|专项行动|行动|整治项目|工作项目)/;
const SEQ_HEADER = /^(序号|编号|序|No\.?)$/i;
const LABEL_WORDS = ['lead', 'cooperating', 'person', 'leader', 'deadline'];

function classify(header: string): Column {
  const h = header.replace(/\s/g, '').replace(/[（(][^）)]*[）)]/g, '');
  if (SEQ_HEADER.test(h)) return { kind: 'seq' };
  for (let n = Math.min(h.length, 8); n >= 2; n--) {
    const word = labelWord(h.slice(0, n));
    if (word && LABEL_WORDS.includes(word.kind)) return { kind: 'label', key: h.slice(0, n) };
  }
  if (NAME_HEADER.test(h)) return { kind: 'name' };
  return { kind: 'text' };
}

/**
 * A task table → "N.任务。其他列" followed by "牵头单位：…" lines. A table without such columns is kept
 * as one line per row. Cells missing at the start of a row (merged vertically in Word) repeat the row above.
 */
function tableLines(table: string): string[] {
  const rows = rowsOf(table).filter((r) => r.some((c) => c.length > 0));
  if (rows.length === 0) return [];
  const header = rows[0].map((c) => c.join(''));
  const columns = header.map(classify);
  if (!columns.some((c) => c.kind === 'label')) return rows.map((r) => r.map((c) => c.join('')).filter(Boolean).join('；'));

  let nameColumn = columns.findIndex((c) => c.kind === 'name');
  if (nameColumn < 0) nameColumn = columns.findIndex((c) => c.kind === 'text');
  const lines: string[] = [];
  let previous: string[][] = [];
  rows.slice(1).forEach((raw, i) => {
    const row = raw.length < columns.length ? [...previous.slice(0, columns.length - raw.length), ...raw] : raw;
    previous = row;
    if (row.map((c) => c.join('')).join('') === header.join('')) return; // a repeated header row
    const seqColumn = columns.findIndex((c) => c.kind === 'seq');
    const seq = seqColumn >= 0 && /^\d{1,2}$/.test(row[seqColumn]?.join('') ?? '') ? row[seqColumn].join('') : String(i + 1);
    const name = nameColumn >= 0 ? (row[nameColumn] ?? []).join('').replace(/[。；，]$/, '') : `第${seq}项`;
    const text = columns
      .map((c, j) => (c.kind === 'text' && j !== nameColumn ? (row[j] ?? []).join('') : ''))
      .filter(Boolean)
      .map((t) => (/[。！？]$/.test(t) ? t : `${t}。`))
      .join('');
    lines.push(`${seq}.${name}。${text}`);
    columns.forEach((c, j) => {
      if (c.kind === 'label' && row[j]?.length) lines.push(`${c.key}：${row[j].join('、')}`);
    });
  });
  return lines;
}
