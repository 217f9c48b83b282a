// Photos of problem points: checked to be an image, turned upright, kept downscaled as JPEG with a
// thumbnail for mails and lists, and read for the time and place the camera wrote (EXIF).
import { createHash } from 'node:crypto';
import exifReader from 'exif-reader';
import { DateTime } from 'luxon';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import type { NewPointPhoto } from '../db/inspections.js';

/** A larger file is not a phone's photo of a street corner. */
export const MAX_PHOTO_BYTES = 20 * 1024 * 1024;
/** Pixels decoded at most (a 100-megapixel image); a crafted image claiming more is refused before decoding. */
const MAX_PHOTO_PIXELS = 100_000_000;
/** The kept photo's longer side: enough to judge a fix from the same angle. */
const KEPT_SIDE = 1920;
const THUMBNAIL_SIDE = 320;
const FORMATS = new Set(['jpeg', 'png', 'webp', 'heif', 'tiff', 'gif']);

/** A photo as kept: downscaled JPEG, thumbnail, size, the camera's time and place, the original's hash. */
export type KeptPhoto = Omit<NewPointPhoto, 'pointId' | 'stage' | 'fileName'>;

export class PhotoRefused extends Error {
  override name = 'PhotoRefused';
}

/** Checks and prepares one photo; PhotoRefused says why it cannot be one (in Chinese). */
export async function keepPhoto(data: Buffer, timeZone: string): Promise<KeptPhoto> {
  if (data.length === 0) throw new PhotoRefused('文件为空');
  if (data.length > MAX_PHOTO_BYTES) {
    throw new PhotoRefused(`照片过大（${(data.length / 1024 / 1024).toFixed(1)} MB，最大 ${MAX_PHOTO_BYTES / 1024 / 1024} MB）`);
  }
  let metadata: Metadata;
  try {
    metadata = await sharp(data, { limitInputPixels: MAX_PHOTO_PIXELS }).metadata();
  } catch {
    throw new PhotoRefused('不是图片文件（无法识别为 JPEG、PNG、WebP 或 HEIC 照片）');
  }
  if (!metadata.format || !FORMATS.has(metadata.format)) throw new PhotoRefused(`不支持的图片格式：${metadata.format ?? '未知'}`);
  if ((metadata.width ?? 0) * (metadata.height ?? 0) > MAX_PHOTO_PIXELS) {
    throw new PhotoRefused(`照片像素过多（${metadata.width}×${metadata.height}），最多 1 亿像素`);
  }
  const upright = () => sharp(data, { limitInputPixels: MAX_PHOTO_PIXELS }).autoOrient();
  let kept: { data: Buffer; info: OutputInfo };
  let thumbnail: Buffer;
  try {
    kept = await upright()
      .resize(KEPT_SIDE, KEPT_SIDE, { fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: 80, mozjpeg: true })
      .toBuffer({ resolveWithObject: true });
    thumbnail = await sharp(kept.data).resize(THUMBNAIL_SIDE, THUMBNAIL_SIDE, { fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 70 }).toBuffer();
  } catch {
    throw new PhotoRefused('图片文件已损坏，无法读取');
  }
  return {
    contentType: 'image/jpeg',
    content: kept.data,
    thumbnail,
    width: kept.info.width,
    height: kept.info.height,
    ...cameraFacts(metadata.exif, timeZone),
    sha256: createHash('sha256').update(data).digest('hex'),
  };
}

/**
 * Keeps several photos (a point's, an answer's): each kept, or refused with its name and why
 * (照片“IMG_1.jpg”不是图片文件…); the caller keeps none when any is refused.
 */
export async function keepPhotos(
  photos: { fileName: string; data: Buffer }[],
  timeZone: string,
): Promise<{ kept: (KeptPhoto & { fileName: string })[]; refusals: string[] }> {
  const kept: (KeptPhoto & { fileName: string })[] = [];
  const refusals: string[] = [];
  for (const photo of photos) {
    try {
      kept.push({ fileName: photo.fileName, ...(await keepPhoto(photo.data, timeZone)) });
    } catch (error) {
      if (!(error instanceof PhotoRefused)) throw error;
      refusals.push(`照片“${photo.fileName}”${error.message}`);
    }
  }
  return { kept, refusals };
}

/** Time and place from EXIF, where present and sane; nothing when the block cannot be read. */
function cameraFacts(block: Buffer | undefined, timeZone: string): Pick<KeptPhoto, 'takenAt' | 'latitude' | 'longitude'> {
  if (!block) return {};
  let tags: ReturnType<typeof exifReader>;
  try {
    tags = exifReader(block);
  } catch {
    return {};
  }
  const facts: Pick<KeptPhoto, 'takenAt' | 'latitude' | 'longitude'> = {};
  // EXIF times have no zone: the reader returns the camera's clock as if UTC; it is local time.
  const shot = tags.Photo?.DateTimeOriginal ?? tags.Image?.DateTime;
  if (shot instanceof Date && !Number.isNaN(shot.getTime())) {
    const local = DateTime.fromObject(
      {
        year: shot.getUTCFullYear(),
        month: shot.getUTCMonth() + 1,
        day: shot.getUTCDate(),
        hour: shot.getUTCHours(),
        minute: shot.getUTCMinutes(),
        second: shot.getUTCSeconds(),
      },
      { zone: timeZone },
    );
    if (local.isValid && local.year >= 2000) facts.takenAt = local.toUTC().toISO()!;
  }
  const gps = tags.GPSInfo;
  const degrees = (dms: unknown, ref: unknown, negative: string): number | undefined => {
    if (!Array.isArray(dms) || dms.length !== 3 || !dms.every((n) => typeof n === 'number' && Number.isFinite(n))) return undefined;
    const value = dms[0] + dms[1] / 60 + dms[2] / 3600;
    return ref === negative ? -value : value;
  };
  const latitude = degrees(gps?.GPSLatitude, gps?.GPSLatitudeRef, 'S');
  const longitude = degrees(gps?.GPSLongitude, gps?.GPSLongitudeRef, 'W');
  if (latitude !== undefined && longitude !== undefined && Math.abs(latitude) <= 90 && Math.abs(longitude) <= 180 && (latitude !== 0 || longitude !== 0)) {
    facts.latitude = Number(latitude.toFixed(6));
    facts.longitude = Number(longitude.toFixed(6));
  }
  return facts;
}
