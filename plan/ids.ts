// Slugs for the definition's ids: pinyin of Chinese names (区公用事业局 → gongyongshiyeju, 黄龙 → huanglong).
import { pinyin } from 'pinyin-pro';

const SLUG = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export function isSlug(text: string): boolean {
  return SLUG.test(text);
}

/** Pinyin without tones or separators, lower case, at most `max` characters; '' when nothing is left. */
export function pinyinSlug(text: string, options: { person?: boolean; max?: number } = {}): string {
  const syllables = pinyin(text, {
    toneType: 'none',
    type: 'array',
    nonZh: 'consecutive',
    ...(options.person ? { surname: 'head' as const } : {}),
  });
  const max = options.max ?? 40;
  let slug = '';
  for (const syllable of syllables) {
    const clean = syllable.toLowerCase().replace(/ü/g, 'v').replace(/[^a-z0-9-]+/g, '');
    if (slug.length + clean.length > max) break; // whole syllables only
    slug += clean;
  }
  return slug.replace(/^-+|-+$/g, '');
}

/** Hands out ids, making each unique with -2, -3 … */
export class IdPool {
  private readonly used = new Set<string>();

  take(wanted: string, fallback: string): string {
    let base = wanted && isSlug(wanted) ? wanted : fallback;
    base = base.slice(0, 60);
    let id = base;
    for (let n = 2; this.used.has(id); n++) id = `${base}-${n}`;
    this.used.add(id);
    return id;
  }
}
