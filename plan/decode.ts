// Turns the bytes of a plan into text: Word .docx, Excel .xlsx, PDF with a text layer, or plain text in
// UTF-8, GB18030/GBK, Big5 or UTF-16. Refuses, with what and where, input that is empty, binary, not
// decodable, a scan without text, or larger than the limits below (checked before anything is parsed).
import { analyse } from 'chardet';
import { docxToText } from './docx.js';
import { pdfToText } from './pdf.js';
import type { Note } from './text.js';
import { xlsxToText } from './xlsx.js';
import { zipMembers } from './zip.js';

/**
 * Limits, far above any real plan (a 100-page plan is about 200 KB of text): larger input is refused before
 * it is parsed, so that a wrong file cannot hold the importer for minutes.
 */
export const LIMITS = {
  /** Any file. */
  fileBytes: 20 * 1024 * 1024,
  /** Plain text, and the text taken out of a .docx, .xlsx or .pdf. */
  textBytes: 2 * 1024 * 1024,
  /** What the XML parts of a .docx or .xlsx expand to when unzipped. */
  unzippedBytes: 8 * 1024 * 1024,
  /** Pages of a PDF. */
  pdfPages: 300,
};

const MB = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(bytes < 1024 * 1024 ? 2 : 1).replace(/\.0+$/, '')} MB`;
const FORMATS = '.txt、.docx、.xlsx 或带文字层的 .pdf';

/** The input is not a plan we can read (empty, binary, undecodable, unsupported format). */
export class PlanInputError extends Error {
  override name = 'PlanInputError';
}

export interface DecodedInput {
  text: string;
  /** utf-8, gb18030, big5, utf-16le, utf-16be, docx, xlsx or pdf. */
  encoding: string;
  /** For a .docx, a "line" is a paragraph. */
  kind: 'text' | 'docx' | 'xlsx' | 'pdf';
  notes: Note[];
}

const ZIP = [0x50, 0x4b, 0x03, 0x04];
const OLE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const startsWith = (buf: Buffer, magic: number[]) => magic.every((b, i) => buf[i] === b);

/** Tolerated share of undecodable characters (a truncated multi-byte sequence here and there). */
const MAX_BAD_SHARE = 0.002;
const MAX_BAD_ALWAYS_OK = 3;

/**
 * Refuses a file over the size cap; the CLI calls it on the file's size before reading a byte, or
 * on what it has read so far of a stream (`readSoFar`: the whole is larger still).
 */
export function checkFileSize(bytes: number, fileName: string, readSoFar = false): void {
  if (bytes > LIMITS.fileBytes) {
    throw new PlanInputError(
      `${fileName}：文件有 ${MB(bytes)}${readSoFar ? '以上' : ''}，超过 ${MB(LIMITS.fileBytes)} 的上限，不予读取；实施方案通常不到 1 MB，请确认文件是否选对，或把方案正文另存为 .txt / .docx 后再导入`,
    );
  }
}

export async function decodeInput(input: Buffer, fileName: string): Promise<DecodedInput> {
  if (input.length === 0) throw new PlanInputError(`${fileName}：输入为空（0 字节）`);
  checkFileSize(input.length, fileName);

  if (startsWith(input, ZIP)) return decodeZip(input, fileName);
  if (startsWith(input, OLE)) {
    throw new PlanInputError(`${fileName}：这是旧版 Word（.doc）、Excel（.xls）或其他 OLE 文件，无法读取；请在 Word / Excel 中另存为 .docx / .xlsx 或纯文本`);
  }
  if (input.subarray(0, 1024).includes('%PDF-')) return decodePdf(input, fileName);
  if (input.subarray(0, 5).toString('latin1') === '{\\rtf') {
    throw new PlanInputError(`${fileName}：这是 RTF 文件，暂不支持；请另存为 .docx 或纯文本`);
  }

  if (input.length > LIMITS.textBytes) throw tooMuchText(fileName, input.length);
  const decoded = decodeText(input, fileName);
  if (!decoded.text.replace(/[\s\ufeff]/g, '')) {
    throw new PlanInputError(`${fileName}：输入只有空白，没有内容`);
  }
  return decoded;
}

function tooMuchText(fileName: string, bytes: number, what = '文字'): PlanInputError {
  return new PlanInputError(
    `${fileName}：${what}有 ${MB(bytes)}，超过 ${MB(LIMITS.textBytes)} 的上限，不予读取；实施方案通常不到 1 MB，请确认文件是否选对，或只导入方案正文`,
  );
}

/** A ZIP: a Word document or an Excel workbook, by the parts it holds; its expanded size checked first. */
async function decodeZip(input: Buffer, fileName: string): Promise<DecodedInput> {
  const members = zipMembers(input);
  if (!members) throw new PlanInputError(`${fileName}：是 ZIP 压缩文件，但已损坏或不完整，无法读取；请重新保存为 .docx / .xlsx`);
  const xml = members.filter((m) => /\.(xml|rels)$/i.test(m.name)).reduce((n, m) => n + m.uncompressed, 0);
  if (xml > LIMITS.unzippedBytes) {
    throw new PlanInputError(
      `${fileName}：解压后的文档内容有 ${MB(xml)}，超过 ${MB(LIMITS.unzippedBytes)} 的上限，不予读取；请确认文件是否选对，或删去与方案无关的内容后另存`,
    );
  }
  const names = new Set(members.map((m) => m.name));
  if (names.has('xl/workbook.xml')) return decodeXlsx(input, fileName);
  if (!names.has('word/document.xml')) {
    throw new PlanInputError(`${fileName}：是 ZIP 压缩文件，但不是可读取的 Word 文档（.docx）或 Excel 工作簿（.xlsx）；请提供 ${FORMATS}`);
  }
  return decodeDocx(input, fileName);
}

async function decodeXlsx(input: Buffer, fileName: string): Promise<DecodedInput> {
  let text: string;
  try {
    text = await xlsxToText(input);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new PlanInputError(`${fileName}：是 Excel 工作簿（.xlsx），但无法读取：${reason}；请在 Excel 中重新保存`);
  }
  if (!text.replace(/\s/g, '')) throw new PlanInputError(`${fileName}：Excel 工作簿中没有文字`);
  if (Buffer.byteLength(text) > LIMITS.textBytes) throw tooMuchText(fileName, Buffer.byteLength(text), '表格文字');
  return { text, encoding: 'xlsx', kind: 'xlsx', notes: [] };
}

async function decodePdf(input: Buffer, fileName: string): Promise<DecodedInput> {
  let read: Awaited<ReturnType<typeof pdfToText>>;
  try {
    read = await pdfToText(input, LIMITS.pdfPages);
  } catch (error) {
    if (error instanceof RangeError) {
      throw new PlanInputError(`${fileName}：PDF ${error.message}，不予读取；请只导入方案正文`);
    }
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    if (/password/i.test(reason)) throw new PlanInputError(`${fileName}：PDF 设有密码，无法读取；请去掉密码后另存，或导出为 .docx / 纯文本`);
    throw new PlanInputError(`${fileName}：PDF 文件已损坏或格式无法识别（${reason}）；请重新导出，或另存为 .docx / 纯文本`);
  }
  // A scan: pages of pictures, no text layer (or a few stray characters per page).
  if (read.chars < Math.max(20, read.pages * 10)) {
    throw new PlanInputError(
      `${fileName}：这是扫描件（${read.pages} 页，几乎没有可提取的文字），无法读取；请先用 OCR 识别为文字，或提供方案的 .docx / 纯文本`,
    );
  }
  if (Buffer.byteLength(read.text) > LIMITS.textBytes) throw tooMuchText(fileName, Buffer.byteLength(read.text), 'PDF 中的文字');
  const notes: Note[] = [{ message: `从 PDF 文字层读取了 ${read.pages} 页；跨行的句子已接上，页码与页眉已去掉，请对照原件核对` }];
  return { text: read.text, encoding: 'pdf', kind: 'pdf', notes };
}

async function decodeDocx(input: Buffer, fileName: string): Promise<DecodedInput> {
  let text: string;
  try {
    // One paragraph is one line; a task table becomes numbered items with label lines.
    text = await docxToText(input);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new PlanInputError(`${fileName}：是 ZIP 压缩文件，但不是可读取的 Word 文档（.docx）：${reason}`);
  }
  if (!text.replace(/\s/g, '')) throw new PlanInputError(`${fileName}：Word 文档中没有文字（可能是扫描图片）；请提供有文字的 .docx 或纯文本`);
  if (Buffer.byteLength(text) > LIMITS.textBytes) throw tooMuchText(fileName, Buffer.byteLength(text), 'Word 文档中的文字');
  return { text, encoding: 'docx', kind: 'docx', notes: [] };
}

function decodeText(input: Buffer, fileName: string): DecodedInput {
  // Byte order marks say it all.
  if (startsWith(input, [0xef, 0xbb, 0xbf])) return strict(input.subarray(3), 'utf-8', fileName);
  if (startsWith(input, [0xff, 0xfe])) return strict(input.subarray(2), 'utf-16le', fileName);
  if (startsWith(input, [0xfe, 0xff])) return strict(input.subarray(2), 'utf-16be', fileName);

  const utf16 = guessUtf16(input);
  if (utf16) return strict(input, utf16, fileName);
  rejectBinary(input, fileName);

  const candidates = ['utf-8', ...legacyEncodings(input)];
  let best: { encoding: string; text: string; bad: number } | undefined;
  // The encoding that reads furthest before its first error says best where the bad bytes are.
  let furthest: { encoding: string; text: string; bad: number; at: number } | undefined;
  for (const encoding of candidates) {
    const attempt = tryDecode(input, encoding);
    if (attempt.bad === 0) return { text: attempt.text, encoding, kind: 'text', notes: [] };
    if (!best || attempt.bad < best.bad) best = { encoding, ...attempt };
    const at = attempt.text.indexOf('\ufffd');
    if (!furthest || at > furthest.at) furthest = { encoding, ...attempt, at };
  }
  // Nearly clean: a few broken bytes (a cut page) are dropped with a note; more is not this encoding.
  const { encoding, text, bad } = best!;
  const chars = text.length || 1;
  if (bad <= MAX_BAD_ALWAYS_OK || bad / chars <= MAX_BAD_SHARE) {
    const notes = badPlaces(text).map((line) => ({
      line,
      message: `有无法按 ${encoding.toUpperCase()} 解码的字节，已删除`,
    }));
    return { text: text.replace(/\ufffd/g, ''), encoding, kind: 'text', notes };
  }
  const where = furthest!;
  throw new PlanInputError(
    `${fileName}：无法识别文字编码（试过 ${candidates.map((c) => c.toUpperCase()).join('、')}），` +
      `按 ${where.encoding.toUpperCase()} 读到第 ${badPlaces(where.text)[0]} 行出现 ${where.bad} 处无法解码的字节；请另存为 UTF-8 文本`,
  );
}

function strict(bytes: Buffer, encoding: string, fileName: string): DecodedInput {
  const { text, bad } = tryDecode(bytes, encoding);
  if (bad > 0) {
    throw new PlanInputError(`${fileName}：按 ${encoding.toUpperCase()} 解码失败，第 ${badPlaces(text)[0]} 行有无效字节`);
  }
  return { text, encoding, kind: 'text', notes: [] };
}

/** Decodes, counting the characters that could not be decoded (not those the text itself contains as U+FFFD). */
function tryDecode(bytes: Buffer, encoding: string): { text: string; bad: number } {
  const text = new TextDecoder(encoding, { fatal: false }).decode(bytes);
  let bad = countReplacement(text);
  if (encoding === 'utf-8') bad -= countLiteralReplacement(bytes);
  return { text, bad: Math.max(0, bad) };
}

const countReplacement = (text: string) => (text.match(/\ufffd/g) ?? []).length;

function countLiteralReplacement(bytes: Buffer): number {
  let n = 0;
  for (let i = bytes.indexOf('\ufffd', 0, 'utf8'); i >= 0; i = bytes.indexOf('\ufffd', i + 3, 'utf8')) n++;
  return n;
}

/** Line numbers of undecodable places. */
function badPlaces(text: string): number[] {
  const lines: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.includes('\ufffd')) lines.push(i + 1);
  });
  return lines;
}

/** GB18030 (a superset of GBK and GB2312) or Big5, in the order a detector finds likelier. */
function legacyEncodings(input: Buffer): string[] {
  const order = ['gb18030', 'big5'];
  try {
    const scores = new Map<string, number>();
    for (const match of analyse(input)) {
      const name = match.name.toLowerCase();
      const key = name.startsWith('gb') ? 'gb18030' : name.startsWith('big5') ? 'big5' : undefined;
      if (key && !scores.has(key)) scores.set(key, match.confidence);
    }
    return order.sort((a, b) => (scores.get(b) ?? 0) - (scores.get(a) ?? 0));
  } catch {
    return order;
  }
}

/** UTF-16 without a byte order mark: every other byte of ASCII-range text is zero. */
function guessUtf16(input: Buffer): 'utf-16le' | 'utf-16be' | undefined {
  const n = Math.min(input.length, 4096) & ~1;
  if (n < 4) return undefined;
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i < n; i += 2) {
    if (input[i] === 0) evenZero++;
    if (input[i + 1] === 0) oddZero++;
  }
  const pairs = n / 2;
  if (oddZero / pairs > 0.3 && evenZero / pairs < 0.05) return 'utf-16le';
  if (evenZero / pairs > 0.3 && oddZero / pairs < 0.05) return 'utf-16be';
  return undefined;
}

/** NUL bytes, or many control characters, mean this is not text. */
function rejectBinary(input: Buffer, fileName: string): void {
  const n = Math.min(input.length, 65536);
  let controls = 0;
  for (let i = 0; i < n; i++) {
    const b = input[i];
    if (b === 0) {
      throw new PlanInputError(
        `${fileName}：第 ${i + 1} 字节是空字符（0x00），这是二进制文件而不是文本；请提供 ${FORMATS} 格式的实施方案`,
      );
    }
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1a) controls++;
  }
  if (controls > 8 && controls / n > 0.01) {
    throw new PlanInputError(`${fileName}：含有 ${controls} 个控制字符，这是二进制文件而不是文本；请提供 ${FORMATS} 格式的实施方案`);
  }
}
