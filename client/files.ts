// Files the CLI writes: it never overwrites one unless told to (--force).
import { access } from 'node:fs/promises';

export async function fileExists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
