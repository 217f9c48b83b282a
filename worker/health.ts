// The worker's operations endpoints: /healthz for orchestrators, /metrics for Prometheus.
// One server per port; when HEALTH_PORT equals METRICS_PORT one server answers both paths.
import { createServer, type Server } from 'node:http';
import type { State } from '@temporalio/worker';
import { pingDatabase, type Db } from '../db/pool.js';

export interface HealthReport {
  ok: boolean;
  /** The Temporal worker's state; STARTING before it exists. */
  worker: State | 'STARTING';
  /** "ok", or why the database did not answer. */
  database: string;
}

/** Healthy: the worker is RUNNING (polling) and the database answers a ping within timeoutMs. */
export async function checkHealth(options: {
  workerState: () => State | undefined;
  db?: Db;
  timeoutMs?: number;
}): Promise<HealthReport> {
  const worker = options.workerState() ?? 'STARTING';
  let database = '尚未连接';
  if (options.db) {
    const timeoutMs = options.timeoutMs ?? 2_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        pingDatabase(options.db),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`${timeoutMs} 毫秒内无应答`)), timeoutMs);
        }),
      ]);
      database = 'ok';
    } catch (error) {
      database = (error as Error).message || String(error);
    } finally {
      clearTimeout(timer);
    }
  }
  return { ok: worker === 'RUNNING' && database === 'ok', worker, database };
}

export interface OpsRoutes {
  health?: () => Promise<HealthReport>;
  metrics?: () => Promise<{ contentType: string; body: string }>;
}

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

export async function startOpsServer(port: number, routes: OpsRoutes, host = '0.0.0.0'): Promise<OpsServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const send = (status: number, contentType: string, body: string) => {
      response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
      response.end(request.method === 'HEAD' ? undefined : body);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      send(405, 'text/plain; charset=utf-8', '只支持 GET\n');
      return;
    }
    const route = (async () => {
      if ((path === '/healthz' || path === '/readyz') && routes.health) {
        const report = await routes.health();
        send(report.ok ? 200 : 503, 'application/json; charset=utf-8', `${JSON.stringify(report)}\n`);
      } else if (path === '/metrics' && routes.metrics) {
        const { contentType, body } = await routes.metrics();
        send(200, contentType, body);
      } else {
        send(404, 'text/plain; charset=utf-8', '没有这个路径\n');
      }
    })();
    route.catch((error: Error) => {
      if (!response.headersSent) send(500, 'text/plain; charset=utf-8', `内部错误：${error.message}\n`);
      else response.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
