// The workflow bundle: built once (at image build, or once per test suite) and reused by every worker.
import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export function bundleWorkflows(): Promise<WorkflowBundle> {
  return bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    logger: { debug() {}, info() {}, warn: console.warn, error: console.error, trace() {}, log() {} },
    webpackConfigHook: (config) => {
      // Our ESM sources import './x.js' that is really './x.ts'.
      config.resolve = { ...config.resolve, extensionAlias: { '.js': ['.ts', '.js'] } };
      return config;
    },
  });
}

/** Where `npm run build` writes the bundle (worker/build-bundle.ts, run from the repository root). */
export const PREBUILT_BUNDLE_PATH = fileURLToPath(new URL('../dist/workflow-bundle.js', import.meta.url));

/** The sources a bundle is made from: a bundle older than any of them is stale. */
const BUNDLE_SOURCES = ['../workflows/', '../domain/'].map((dir) => fileURLToPath(new URL(dir, import.meta.url)));
const BUNDLE_INPUT_FILES = ['../package-lock.json'].map((file) => fileURLToPath(new URL(file, import.meta.url)));

export interface LoadedWorkflowBundle {
  bundle: WorkflowBundle;
  /** prebuilt: read from a file; fresh: bundled now. */
  source: 'prebuilt' | 'fresh';
  /** The file used, or why none was. */
  detail: string;
}

/** Newest modification time (ms) of the .ts files under dirs and of the given files; 0 when none. */
async function newestSourceMtime(dirs: string[], files: string[]): Promise<number> {
  let newest = 0;
  const consider = async (file: string) => {
    const mtime = (await stat(file).catch(() => undefined))?.mtimeMs ?? 0;
    if (mtime > newest) newest = mtime;
  };
  for (const dir of dirs) {
    const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
    await Promise.all(entries.filter((e) => e.endsWith('.ts')).map((e) => consider(path.join(dir, e))));
  }
  await Promise.all(files.map(consider));
  return newest;
}

/**
 * The workflow bundle for a worker: the prebuilt file when there is one and it is not older than
 * the workflow sources, else a fresh bundle (slower start, but never stale code: running old
 * workflow code against new histories would break replay).
 *
 * An explicit path (WORKFLOW_BUNDLE_PATH) is always used as given: that is how an image pins the
 * bundle it was built with, whatever the file times say.
 */
export async function loadWorkflowBundle(options: { path?: string } = {}): Promise<LoadedWorkflowBundle> {
  if (options.path) {
    // Missing: fail loudly rather than silently bundling something else.
    const file = path.resolve(options.path);
    return { bundle: { code: await readFile(file, 'utf8') }, source: 'prebuilt', detail: file };
  }
  const built = await stat(PREBUILT_BUNDLE_PATH).catch(() => undefined);
  if (built) {
    const newestSource = await newestSourceMtime(BUNDLE_SOURCES, BUNDLE_INPUT_FILES);
    if (built.mtimeMs >= newestSource) {
      return { bundle: { code: await readFile(PREBUILT_BUNDLE_PATH, 'utf8') }, source: 'prebuilt', detail: PREBUILT_BUNDLE_PATH };
    }
    return { bundle: await bundleWorkflows(), source: 'fresh', detail: `${PREBUILT_BUNDLE_PATH} 比工作流源码旧，已重新打包` };
  }
  return { bundle: await bundleWorkflows(), source: 'fresh', detail: `没有 ${PREBUILT_BUNDLE_PATH}，已现场打包` };
}
