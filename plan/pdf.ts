// PDF with a text layer → plan text. Lines are rebuilt from the positions of the text items; a line that
// runs to the right margin goes on in the next one (a paragraph wrapped by the page), so it is joined to it.
// Page numbers and running headers are left for normalise to drop.

export interface PdfText {
  text: string;
  pages: number;
  /** Characters of text found (without spaces). */
  chars: number;
}

interface Item {
  str: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

interface Line {
  y: number;
  x: number;
  end: number;
  text: string;
  size: number;
}

export async function pdfToText(buffer: Buffer, maxPages: number): Promise<PdfText> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const task = pdfjs.getDocument({
    data: new Uint8Array(buffer),
    isEvalSupported: false,
    useSystemFonts: false,
    disableFontFace: true,
    verbosity: 0,
  });
  const pdf = await task.promise;
  try {
    if (pdf.numPages > maxPages) {
      throw new RangeError(`共 ${pdf.numPages} 页，超过 ${maxPages} 页的上限`);
    }
    const pageLines: Line[][] = [];
    for (let p = 1; p <= pdf.numPages; p++) {
      const page = await pdf.getPage(p);
      const content = await page.getTextContent();
      const items: Item[] = [];
      for (const raw of content.items) {
        if (!('str' in raw) || !raw.str) continue;
        items.push({ str: raw.str, x: raw.transform[4], y: raw.transform[5], width: raw.width, height: Math.abs(raw.transform[3]) || raw.height });
      }
      pageLines.push(linesOf(items));
      page.cleanup();
    }
    const text = joinWrapped(pageLines);
    return { text, pages: pdf.numPages, chars: text.replace(/\s/g, '').length };
  } finally {
    await pdf.destroy();
  }
}

/** Items on the same baseline (within a third of the type size) make one line, top to bottom. */
function linesOf(items: Item[]): Line[] {
  const sorted = [...items].sort((a, b) => b.y - a.y || a.x - b.x);
  const lines: Line[] = [];
  for (const item of sorted) {
    const line = lines.find((l) => Math.abs(l.y - item.y) <= Math.max(2, item.height / 3));
    if (line) {
      line.text += (item.x - line.end > item.height * 0.9 ? ' ' : '') + item.str;
      line.end = Math.max(line.end, item.x + item.width);
      line.x = Math.min(line.x, item.x);
    } else {
      lines.push({ y: item.y, x: item.x, end: item.x + item.width, text: item.str, size: item.height });
    }
  }
  return lines.sort((a, b) => b.y - a.y).filter((l) => l.text.trim());
}

/** A line ending within two characters of the page's right margin, without closing punctuation, goes on. */
function joinWrapped(pages: Line[][]): string {
  const out: string[] = [];
  for (const lines of pages) {
    const right = Math.max(...lines.map((l) => l.end));
    let current = '';
    let open = false;
    for (const line of lines) {
      const text = line.text.trim();
      if (open && !/^[一二三四五六七八九十]+、|^（[一二三四五六七八九十\d]+）|^\d{1,2}[.、．]|^[①-⑳]/.test(text)) current += text;
      else {
        if (current) out.push(current);
        current = text;
      }
      open = right - line.end < line.size * 2 && !/[。！？：；]$/.test(text);
    }
    if (current) out.push(current);
  }
  return out.join('\n');
}
