// Runs `temporal server start-dev` as a child process: a full Temporal server on 127.0.0.1 with
// its Web UI, keeping its state in <dataDir>/temporal.db (SQLite), so workflows survive a restart.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { resolveTemporalCli, type ResolveOptions } from './temporal-binaries.js';

export const DEFAULT_TEMPORAL_PORT = 7233;
export const DEFAULT_TEMPORAL_UI_PORT = 8233;

const HOST = '127.0.0.1';
const OUTPUT_TAIL_LINES = 40;

export interface DevServerOptions {
  /** Folder for temporal.db; made if missing. */
  dataDir: string;
  /** Frontend gRPC port. Default: $TEMPORAL_PORT, else 7233. */
  port?: number;
  /** Web UI port. Default: $TEMPORAL_UI_PORT, else 8233. */
  uiPort?: number;
  /** Namespace to wait for (made at start when not "default"). Default: "default". */
  namespace?: string;
  /** Receives each line the server prints. Default: lines are only kept for error messages. */
  log?: (line: string) => void;
  /** The server's own log level. Default: warn. */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Path of the temporal CLI. Default: resolveTemporalCli(resolve). */
  executable?: string;
  /** Options for finding the CLI when `executable` is not given. */
  resolve?: ResolveOptions;
  /** How long to wait for the frontend and the Web UI to answer. Default: 60 s. */
  startTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL. Default: 15 s. */
  stopTimeoutMs?: number;
  /** Where TEMPORAL_PORT / TEMPORAL_UI_PORT are read. Default: process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface DevServer {
  /** host:port of the frontend, for Connection.connect({ address }). */
  address: string;
  uiUrl: string;
  namespace: string;
  dbFile: string;
  pid: number;
  /** SIGTERM, then SIGKILL after stopTimeoutMs. Safe to call more than once. */
  stop(): Promise<void>;
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const env = options.env ?? process.env;
  const port = options.port ?? portFromEnv(env, 'TEMPORAL_PORT', DEFAULT_TEMPORAL_PORT);
  const uiPort = options.uiPort ?? portFromEnv(env, 'TEMPORAL_UI_PORT', DEFAULT_TEMPORAL_UI_PORT);
  const namespace = options.namespace ?? 'default';
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 15_000;
  if (port === uiPort) {
    throw new Error(`Temporal gRPC 端口与 Web UI 端口相同（${port}），请用 TEMPORAL_PORT / TEMPORAL_UI_PORT 分开设置`);
  }
  await assertPortFree(port, 'gRPC 前端', 'TEMPORAL_PORT');
  await assertPortFree(uiPort, 'Web UI', 'TEMPORAL_UI_PORT');

  const executable = options.executable ?? (await resolveTemporalCli(options.resolve));
  const dataDir = path.resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const dbFile = path.join(dataDir, 'temporal.db');
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    dbFile,
    '--ip',
    HOST,
    '--port',
    String(port),
    '--ui-port',
    String(uiPort),
    '--log-level',
    options.logLevel ?? 'warn',
  ];
  if (namespace !== 'default') args.push('--namespace', namespace);

  const child = spawn(executable, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
  const tail: string[] = [];
  const onLine = (line: string) => {
    tail.push(line);
    if (tail.length > OUTPUT_TAIL_LINES) tail.shift();
    options.log?.(line);
  };
  forwardLines(child, onLine);

  let spawnError: Error | undefined;
  child.on('error', (error) => {
    spawnError = error;
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });
  // Don't leave a server behind when this process exits without calling stop().
  const killOnExit = () => {
    if (!hasExited) child.kill('SIGTERM');
  };
  process.once('exit', killOnExit);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.removeListener('exit', killOnExit);
      if (hasExited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
      await exited;
      clearTimeout(timer);
    })();
    return stopping;
  };

  const address = `${HOST}:${port}`;
  const uiUrl = `http://${HOST}:${uiPort}`;
  const describe = () => {
    const output = tail.length > 0 ? `\n服务器输出末尾：\n${tail.map((l) => `  ${l}`).join('\n')}` : '\n（服务器没有输出）';
    return `${executable} ${args.join(' ')}${output}`;
  };

  const deadline = Date.now() + startTimeoutMs;
  let lastProblem: string;
  for (;;) {
    if (spawnError) {
      await stop();
      throw new Error(`无法启动 Temporal 开发服务器（${executable}）：${spawnError.message}`);
    }
    if (hasExited) {
      await stop();
      const hint = tail.some((l) => /address already in use/i.test(l))
        ? `\n端口被占用：可用 TEMPORAL_PORT（现为 ${port}）/ TEMPORAL_UI_PORT（现为 ${uiPort}）换端口。`
        : '';
      throw new Error(`Temporal 开发服务器启动后退出（退出码 ${child.exitCode ?? child.signalCode}）：${describe()}${hint}`);
    }
    // An exit (or a failed spawn) ends the wait at once rather than after the probe's own timeout.
    const problem = await Promise.race([probe(address, uiUrl, namespace), exited.then(() => 'exited')]);
    if (hasExited || spawnError) continue;
    if (!problem) break;
    lastProblem = problem;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `Temporal 开发服务器 ${startTimeoutMs / 1000} 秒内未就绪（最后一次检查：${lastProblem}）：${describe()}`,
      );
    }
    await Promise.race([exited, sleep(300)]);
  }

  return { address, uiUrl, namespace, dbFile, pid: child.pid ?? -1, stop };
}

/** Returns undefined when the frontend serves the namespace and the Web UI answers; else what is missing. */
async function probe(address: string, uiUrl: string, namespace: string): Promise<string | undefined> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 2_000 });
    await connection.workflowService.describeNamespace({ namespace });
  } catch (error) {
    return `前端 ${address}：${error instanceof Error ? error.message : String(error)}`;
  } finally {
    await connection?.close().catch(() => undefined);
  }
  try {
    const response = await fetch(uiUrl, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    if (response.status >= 500) return `Web UI ${uiUrl}：HTTP ${response.status}`;
  } catch (error) {
    return `Web UI ${uiUrl}：${error instanceof Error ? error.message : String(error)}`;
  }
  return undefined;
}

function portFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${name}="${raw}" 不是有效端口（1–65535）`);
  }
  return port;
}

function assertPortFree(port: number, what: string, envVar: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(
          new Error(
            `${HOST}:${port}（Temporal ${what}端口）已被占用——也许已有一个 Temporal 服务器在运行；` +
              `可设置 ${envVar} 换一个端口`,
          ),
        );
      } else {
        reject(new Error(`无法检查端口 ${port}（${envVar}）：${error.message}`));
      }
    });
    server.listen({ port, host: HOST, exclusive: true }, () => server.close(() => resolve()));
  });
}

function forwardLines(child: ChildProcess, onLine: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    let buffered = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') onLine(line.trimEnd());
    });
    stream.on('end', () => {
      if (buffered.trim() !== '') onLine(buffered.trimEnd());
      buffered = '';
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
