// Tables that reach us as text: a web page's table copied one cell per line ("责任单位 |") or one row per
// line ("门前六包 | 市容大队 | 保持门店…"). A run of such lines whose first row names a unit or time column
// is read like a Word task table; anything else is left as it was.
import { classify, tableRowsToTaggedLines } from './docx.js';

const CELL_LINE = /^(.*?)\s*[|｜]\s*$/;
const ROW_LINE = /^[^|｜]+(?:[|｜][^|｜]*){2,}$/;

/** A header cell: short, without sentence punctuation. */
const headerLike = (cell: string) => cell.length > 0 && cell.replace(/\s/g, '').length <= 10 && !/[，。；、：]/.test(cell);

export function unpipeTables(lines: string[], lineNumbers: number[]): { lines: string[]; lineNumbers: number[] } {
  const out: string[] = [];
  const numbers: number[] = [];
  let i = 0;
  while (i < lines.length) {
    // A table whose cells lost their line breaks: "名 称 |责任单位 |工作任务与目标 |门前六包 |市容大队 |…".
    const cells = lines[i].split(/[|｜]/);
    // The title glued to the first header cell ("…工作台账名 称"): the header word is cut off its end.
    const glued = cells.length >= 7 ? headerSuffix(cells[0]) : undefined;
    if (glued) {
      out.push(glued.before);
      numbers.push(lineNumbers[i]);
      cells[0] = glued.header;
    }
    if (cells.length >= 7) {
      const run = cellRun(cells.map((c) => `${c.trim()} |`), 0);
      if (run && run.end >= cells.length - 1) {
        const rest = cells[cells.length - 1].trim();
        for (const l of tableRowsToTaggedLines(run.rows.map((r) => r.map((c) => (c ? [c] : []))))) {
          out.push(l.text);
          numbers.push(lineNumbers[i]);
        }
        if (rest) {
          out.push(rest);
          numbers.push(lineNumbers[i]);
        }
        i++;
        continue;
      }
    }
    const table = cellRun(lines, i) ?? rowRun(lines, i);
    if (table) {
      const expanded = tableRowsToTaggedLines(table.rows.map((r) => r.map((c) => (c ? [c] : []))));
      for (const l of expanded) {
        out.push(l.text);
        numbers.push(lineNumbers[table.rowLines[l.row] ?? i]);
      }
      i = table.end;
      continue;
    }
    out.push(lines[i]);
    numbers.push(lineNumbers[i]);
    i++;
  }
  return { lines: out, lineNumbers: numbers };
}

/** A header word (名称, 序号, 工作任务 …) at the end of a cell, and what stands before it. */
function headerSuffix(cell: string): { before: string; header: string } | undefined {
  const text = cell.trim();
  if (headerLike(text) && classify(text).kind !== 'text') return undefined;
  for (let n = 2; n <= 8 && n < text.length; n++) {
    const header = text.slice(-n);
    if (classify(header).kind !== 'text' && !/^\s/.test(header)) {
      // The longest header word that ends the cell: 工作任务 rather than 任务.
      let best = header;
      for (let m = n + 1; m <= 8 && m < text.length; m++) if (classify(text.slice(-m)).kind !== 'text') best = text.slice(-m);
      return { before: text.slice(0, -best.length).trim(), header: best };
    }
  }
  return undefined;
}

/** One cell per line: the header is the leading cells that look like headers and include a label column. */
function cellRun(lines: string[], start: number): { rows: string[][]; rowLines: number[]; end: number } | undefined {
  const cells: string[] = [];
  let end = start;
  while (end < lines.length && CELL_LINE.test(lines[end])) {
    cells.push(CELL_LINE.exec(lines[end])![1].trim());
    end++;
  }
  if (cells.length < 4) return undefined;
  let width = 0;
  while (width < cells.length && width < 8 && headerLike(cells[width]) && classify(cells[width]).kind !== 'text') width++;
  // A header whose last cells are free text ("工作任务与目标", "备注") still counts when it names a label column.
  while (width < cells.length && width < 8 && headerLike(cells[width]) && /目标|内容|要求|标准|措施|备注|情况|说明/.test(cells[width])) width++;
  const header = cells.slice(0, width);
  if (width < 2 || !header.some((c) => classify(c).kind === 'label')) return undefined;
  const rows: string[][] = [];
  const rowLines: number[] = [];
  for (let k = 0; k < cells.length; k += width) {
    rows.push(cells.slice(k, k + width));
    rowLines.push(start + k);
  }
  return { rows, rowLines, end };
}

/** One row per line, cells separated by "|". */
function rowRun(lines: string[], start: number): { rows: string[][]; rowLines: number[]; end: number } | undefined {
  let end = start;
  const rows: string[][] = [];
  const rowLines: number[] = [];
  while (end < lines.length && ROW_LINE.test(lines[end])) {
    const cells = lines[end]
      .replace(/^\s*[|｜]|[|｜]\s*$/g, '')
      .split(/[|｜]/)
      .map((c) => c.trim());
    if (!cells.every((c) => /^[-:：\s]*$/.test(c))) {
      rows.push(cells);
      rowLines.push(end);
    } // (Markdown's |---|---| line is skipped)
    end++;
  }
  if (rows.length < 2 || !rows[0].some((c) => headerLike(c) && classify(c).kind === 'label')) return undefined;
  return { rows, rowLines, end };
}
