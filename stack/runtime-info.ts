// data/runtime.json: where `npm start`'s services listen, for the CLI and `npm run console`. It holds
// connection strings with passwords (DATABASE_URL, SMTP_URL), so only the owner may read it.
import { chmod, writeFile } from 'node:fs/promises';
import { runtimeInfoPath, type RuntimeInfo } from '../client/config.js';

export async function writeRuntimeInfo(info: RuntimeInfo, file = runtimeInfoPath()): Promise<void> {
  await writeFile(file, JSON.stringify(info, null, 2), { mode: 0o600 });
  // writeFile's mode applies only to a new file: one left by an earlier run keeps its own.
  await chmod(file, 0o600);
}
