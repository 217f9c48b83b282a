// Word documents: paragraphs become lines, and a task table (序号 | 工作任务 | 牵头单位 | 配合单位 | 完成时限)
// becomes numbered items with label lines, so that the structure parser reads it like any plan. The same
// table reading serves Excel sheets and tables scraped from web pages (tableRowsToLines).
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

/**
 * Rows of cells; a cell is the list of its paragraphs. A cell merged over several rows or columns (rowspan,
 * colspan) fills every place it covers, so that a unit written once for three rows leads all three.
 */
function rowsOf(table: string): string[][][] {
  const inner = table.replace(/^<table\b[^>]*>|<\/table>$/gi, '');
  const grid: string[][][] = [];
  /** Columns still covered by a cell from a row above: column → [paragraphs, rows left]. */
  const pending = new Map<number, { cell: string[]; left: number }>();
  for (const row of inner.matchAll(/<tr\b[^>]*>([\s\S]*?)<\/tr>/gi)) {
    const out: string[][] = [];
    let col = 0;
    const fillPending = () => {
      while (pending.has(col)) {
        const p = pending.get(col)!;
        out[col] = p.cell;
        if (--p.left === 0) pending.delete(col);
        col++;
      }
    };
    for (const cell of row[1].matchAll(/<t([dh])\b([^>]*)>([\s\S]*?)<\/t\1>/gi)) {
      fillPending();
      const attrs = cell[2];
      const rowspan = Number(/rowspan="(\d+)"/i.exec(attrs)?.[1] ?? 1);
      const colspan = Number(/colspan="(\d+)"/i.exec(attrs)?.[1] ?? 1);
      const paragraphs = blockText(cell[3]);
      for (let k = 0; k < colspan; k++) {
        out[col] = paragraphs;
        if (rowspan > 1) pending.set(col, { cell: paragraphs, left: rowspan - 1 });
        col++;
      }
    }
    fillPending();
    grid.push(Array.from(out, (c) => c ?? []));
  }
  return grid;
}

type Column = { kind: 'seq' | 'name' | 'text' } | { kind: 'label'; key: string };

const NAME_HEADER =
  /^(工作任务|重点任务|主要任务|具体任务|整治任务|任务名称|任务|项目名称|项目|工作事项|事项|工作内容|整治内容|内容|专项行动|行动|整治项目|工作项目|名称|行动名称|活动名称|问题|存在问题|问题描述|整改事项|整改任务|工作举措|举措)/;
const SEQ_HEADER = /^(序号|编号|序|No\.?)$/i;
const LABEL_WORDS = ['lead', 'cooperating', 'person', 'leader', 'deadline'];

/** The label kind a column header names (牵头单位 → lead), if any. */
function labelKind(header: string): string | undefined {
  const c = classify(header);
  return c.kind === 'label' ? labelWord(c.key)?.kind : undefined;
}

export function classify(header: string): Column {
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
  return tableRowsToLines(rowsOf(table));
}

/** Rows of cells (a cell is its paragraphs), the first row naming the columns, → plan lines. */
export function tableRowsToLines(allRows: string[][][]): string[] {
  return tableRowsToTaggedLines(allRows).map((l) => l.text);
}

/** The same, each line with the index of the row it was read from. */
export function tableRowsToTaggedLines(allRows: string[][][]): { text: string; row: number }[] {
  const kept = allRows.map((r, i) => ({ r, i })).filter(({ r }) => r.some((c) => c.length > 0));
  const all = kept.map(({ r }) => r);
  const rowOf = (k: number) => kept[k]?.i ?? 0;
  // A row outside the task table; cells merged across it (a title) are said once.
  const plain = (r: string[][]) =>
    r
      .map((c) => c.join(''))
      .filter((c, i, all) => c && c !== all[i - 1])
      .join('；');
  // The header is the first row naming a unit or time column; rows above it (a merged title) are text.
  const at = all.slice(0, 4).findIndex((r) => r.some((c) => LABEL_WORDS.includes(labelKind(c.join('')) ?? '')));
  if (at < 0) return all.map((r, k) => ({ text: plain(r), row: rowOf(k) }));
  const lines = all.slice(0, at).map((r, k) => ({ text: plain(r), row: rowOf(k) }));
  let rows = all.slice(at);
  let skipped = 1;
  // A header in two rows (责任单位 over 牵头单位 | 配合单位): the lower row names the columns it splits.
  const second = rows[1]?.map((c) => c.join('').replace(/\s/g, ''));
  if (second && second.every((c) => c.length <= 10) && second.some((c) => LABEL_WORDS.includes(labelKind(c) ?? ''))) {
    rows = [rows[0].map((c, j) => (second[j] ? [second[j]] : c)), ...rows.slice(2)];
    skipped = 2;
  }
  const header = rows[0].map((c) => c.join(''));
  const columns = header.map(classify);

  let nameColumn = columns.findIndex((c) => c.kind === 'name');
  if (nameColumn < 0) nameColumn = columns.findIndex((c) => c.kind === 'text');
  let previous: string[][] = [];
  rows.slice(1).forEach((raw, i) => {
    const row = raw.length < columns.length ? [...previous.slice(0, columns.length - raw.length), ...raw] : raw;
    previous = row;
    if (row.map((c) => c.join('')).join('') === header.join('')) return; // a repeated header row
    const source = rowOf(at + skipped + i);
    const cells = row.map((c) => c.join(''));
    const seqColumn = columns.findIndex((c) => c.kind === 'seq');
    const labelled = columns.some((c, j) => c.kind === 'label' && cells[j]);
    // A row that only names a category (merged across the table, or 一 | 市容环境整治 with no unit) heads the rows below.
    const distinct = [...new Set(cells.filter(Boolean))];
    if (distinct.length <= 1) {
      if (distinct[0]) lines.push({ text: distinct[0], row: source });
      return;
    }
    const cnSeq = seqColumn >= 0 && /^[一二三四五六七八九十]+$/.test(cells[seqColumn] ?? '');
    if (!labelled && cnSeq) {
      lines.push({ text: `${cells[seqColumn]}、${distinct.filter((c) => c !== cells[seqColumn]).join('。')}`, row: source });
      return;
    }
    const seq = seqColumn >= 0 && /^\d{1,2}$/.test(row[seqColumn]?.join('') ?? '') ? row[seqColumn].join('') : String(i + 1);
    const name = nameColumn >= 0 ? (row[nameColumn] ?? []).join('').replace(/[。；，]$/, '') : `第${seq}项`;
    const text = columns
      .map((c, j) => ((c.kind === 'text' || c.kind === 'name') && j !== nameColumn ? (row[j] ?? []).join('') : ''))
      .filter(Boolean)
      .map((t) => (/[。！？]$/.test(t) ? t : `${t}。`))
      .join('');
    lines.push({ text: `${seq}.${name}。${text}`, row: source });
    columns.forEach((c, j) => {
      if (c.kind !== 'label' || !row[j]?.length) return;
      // One 责任单位 column holding "牵头：A；配合：B" (or 牵头单位：A / 配合单位：B on lines of their own).
      const inner = [...row[j].join('；').matchAll(/(牵头(?:单位|部门)?|配合(?:单位|部门)?|责任(?:单位|部门))[：:]([^；;。\n]+)/g)];
      if (inner.length > 0) {
        for (const m of inner) {
          const key = m[1].startsWith('牵头') ? '牵头单位' : m[1].startsWith('配合') ? '配合单位' : '责任单位';
          lines.push({ text: `${key}：${m[2].trim()}`, row: source });
        }
      } else lines.push({ text: `${c.key}：${row[j].join('、')}`, row: source });
    });
  });
  return lines;
}
