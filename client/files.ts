// Files the CLI writes: it never overwrites one unless told to (--force).
import { access, writeFile } from 'node:fs/promises';
import { BadInputError } from './exit-codes.js';

export async function fileExists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/** Writes a workbook, refusing to overwrite a file (a filled-in directory, say) unless asked to. */
export async function writeWorkbook(file: string, data: Buffer, force: boolean | undefined): Promise<void> {
  if (!file.toLowerCase().endsWith('.xlsx')) throw new BadInputError(`文件名应以 .xlsx 结尾：${file}`);
  if (!force && (await fileExists(file))) throw new BadInputError(`${file} 已存在；用 --force 覆盖，或指定其他文件`);
  try {
    await writeFile(file, data);
  } catch (error) {
    throw new BadInputError(`无法写入文件 ${file}：${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
