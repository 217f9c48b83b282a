// A .zip of photos sent with a problem list: its entries found by file name (folders ignored), read
// one at a time and never past a photo's size, so a crafted archive (a zip bomb, a lying header)
// costs no more than the photos it claims to hold. Names from Windows' own zip (GBK, no UTF-8 flag)
// read as the office wrote them.
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { MAX_PHOTO_BYTES } from './photos.js';

const MAX_ENTRIES = 50_000;
/** Photos hardly compress; an entry that claims to expand more than this is a bomb, not a photo. */
const MAX_EXPANSION = 100;

/** The archive as a whole cannot be read (not a zip, too many entries): nothing in it is used. */
export class PhotoArchiveRefused extends Error {
  override name = 'PhotoArchiveRefused';
}

export interface ArchivedPhoto {
  /** The entry's path inside the archive, as the office sees it. */
  path: string;
  /** Why it cannot be read as a photo (too big, a bomb, damaged), or its bytes. */
  problem?: string;
  data?: Buffer;
}

/** A file name as matched: without folders, Unicode-normalised, case-insensitive. */
export function photoKey(name: string): string {
  return (name.split(/[\\/]/).pop() ?? name).normalize('NFC').trim().toLowerCase();
}

/**
 * Reads the entries of `source` whose key `wanted` accepts, calling `take` with each (one at a time,
 * in archive order). Entries of the same key in two folders: both are given; the caller decides.
 */
export async function readPhotoArchive(
  source: { path: string } | { buffer: Buffer },
  wanted: (key: string) => boolean,
  take: (key: string, photo: ArchivedPhoto) => Promise<void>,
): Promise<void> {
  const options: yauzl.Options = { lazyEntries: true, decodeStrings: false, validateEntrySizes: true, autoClose: true };
  let zip: yauzl.ZipFile;
  try {
    zip = 'path' in source ? await yauzl.openPromise(source.path, options) : await yauzl.fromBufferPromise(source.buffer, options);
  } catch {
    throw new PhotoArchiveRefused('照片包不是有效的 .zip 文件');
  }
  try {
    if (zip.entryCount > MAX_ENTRIES) throw new PhotoArchiveRefused(`照片包中的文件过多（${zip.entryCount} 个，最多 ${MAX_ENTRIES} 个）`);
    for await (const entry of zip.eachEntry()) {
      const path = entryName(entry);
      if (path.endsWith('/') || path.startsWith('__MACOSX/')) continue;
      const key = photoKey(path);
      if (!wanted(key)) continue;
      await take(key, await readEntry(zip, entry, path));
    }
  } catch (error) {
    if (error instanceof PhotoArchiveRefused) throw error;
    throw new PhotoArchiveRefused(`照片包已损坏，无法读取：${(error as Error).message}`);
  } finally {
    zip.close();
  }
}

async function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, path: string): Promise<ArchivedPhoto> {
  if ((entry.generalPurposeBitFlag & 0x1) !== 0) return { path, problem: '照片已加密，无法读取' };
  if (entry.uncompressedSize > MAX_PHOTO_BYTES) {
    return { path, problem: `照片过大（${(entry.uncompressedSize / 1024 / 1024).toFixed(1)} MB，最大 ${MAX_PHOTO_BYTES / 1024 / 1024} MB）` };
  }
  if (entry.compressedSize > 0 && entry.uncompressedSize / entry.compressedSize > MAX_EXPANSION) {
    return { path, problem: `压缩比异常（${entry.compressedSize} 字节解压为 ${entry.uncompressedSize} 字节），疑似压缩炸弹，不是照片` };
  }
  let stream: Readable;
  try {
    stream = await zip.openReadStreamPromise(entry);
  } catch (error) {
    return { path, problem: `无法解压：${(error as Error).message}` };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      // validateEntrySizes stops a header that lies; this stops one that says "big" truthfully.
      if (size > MAX_PHOTO_BYTES) {
        stream.destroy();
        return { path, problem: `照片过大（超过 ${MAX_PHOTO_BYTES / 1024 / 1024} MB）` };
      }
      chunks.push(chunk);
    }
  } catch (error) {
    return { path, problem: `解压失败（文件已损坏或与记录的大小不符）：${(error as Error).message}` };
  }
  return { path, data: Buffer.concat(chunks) };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const gbk = new TextDecoder('gbk');

/** An entry's name: UTF-8 when flagged or valid, the Info-ZIP Unicode path when given, else GBK (Windows' zip in Chinese). */
function entryName(entry: yauzl.Entry): string {
  const raw = entry.fileName as unknown as Buffer;
  const extra = entry.extraFields ?? [];
  if ((entry.generalPurposeBitFlag & 0x800) !== 0 || extra.some((f) => f.id === 0x7075)) {
    return yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, raw, extra, false);
  }
  try {
    return utf8.decode(raw);
  } catch {
    return gbk.decode(raw);
  }
}
