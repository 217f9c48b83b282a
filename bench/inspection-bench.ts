// 问题点位 at scale: `npx tsx bench/inspection-bench.ts [--points 10000] [--units 50] [--runs 3] [--no-warmup]`.
//
// One run = one fresh stack (PostgreSQL database, SMTP sink process, Temporal dev server with a new
// SQLite file, a worker process made as the production worker makes its own) and one inspection:
//
//   import    the problem list (.xlsx, N rows across U units, no photos) read, checked and written;
//   dispatch  from the end of the import until the SMTP sink has accepted every unit's 交办 mail;
//   lapse     every point's first rung is made due at one instant T (its next_rung_at set to T, as
//             the midnight after a shared deadline does) and the inspection's clock told; until the
//             sink has accepted every unit's 逾期通报: seconds after T, and the p99 over the units.
//
// Memory of every process is sampled throughout (bench/processes.ts); the worker's RSS is read idle
// and with the points open, PostgreSQL's bytes per point from the tables' sizes. The medians are
// over the complete runs after a warm-up; a run that stopped early is listed apart. The machine's
// load is recorded at each run's start and end. Results: bench/inspections.json.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import ExcelJS from 'exceljs';
import { dispatchInspection, pointsChanged } from '../client/inspections.js';
import { insertCampaign } from '../db/campaigns.js';
import type { Db } from '../db/pool.js';
import { definitionSchema } from '../domain/definition.js';
import { importInspection } from '../services/inspections.js';
import { startTemporaryPostgres } from '../stack/postgres.js';
import { freePort } from '../stack/ports.js';
import { startDevServer } from '../stack/temporal-dev-server.js';
import { bundleWorkflows } from '../worker/bundle.js';
import { civilDate, CpuMeter, dropDatabase, freshDatabase, MemorySampler, postmasterPid, procMemory, quantile, round, sleep } from './common.js';
import { writeBundle } from './devserver-bench.js';
import { medianPerMetric } from './median.js';
import { cpuCount, machineLoad, withDriver } from './processes.js';
import { productionConfig, productionSettingsRecord } from './production-settings.js';
import { startSinkProcess, startWorkerProcess } from './worker-handle.js';
import type { WorkerProcessConfig } from './worker-process.js';

const RESULTS = fileURLToPath(new URL('./inspections.json', import.meta.url));
type Run = Record<string, unknown>;

/** Per unit, when the last message of its notice of `kind` was accepted by the sink; only units whose notice is wholly accepted. */
async function acceptedPerUnit(db: Db, kind: string): Promise<Map<string, number>> {
  const { rows } = await db.query<{ unit_id: string; last: Date }>(
    `SELECT n.unit_id, max(m.received_at) AS last
       FROM notices n JOIN outbox o ON o.notice_id = n.id LEFT JOIN mailbox m ON m.message_id = o.message_id
      WHERE n.kind = $1 GROUP BY n.id, n.unit_id HAVING count(m.id) = count(o.id)`,
    [kind],
  );
  return new Map(rows.map((r) => [r.unit_id, r.last.getTime()]));
}

async function waitForUnits(db: Db, kind: string, units: number, limitMs: number, log: (line: string) => void) {
  const until = Date.now() + limitMs;
  let reported = 0;
  for (;;) {
    const accepted = await acceptedPerUnit(db, kind);
    if (accepted.size >= units || Date.now() > until) return { accepted, complete: accepted.size >= units };
    if (Date.now() - reported > 10_000) {
      log(`  ${kind}: ${accepted.size}/${units} units`);
      reported = Date.now();
    }
    await sleep(200);
  }
}

async function pointList(points: number, units: number): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('问题清单');
  sheet.addRow(['序号', '点位', '问题描述', '类别', '责任单位', '整改时限']);
  for (let i = 1; i <= points; i++) {
    sheet.addRow([i, `第${(i % 400) + 1}号路段${i}号点位`, '占道经营、乱堆乱放', '背街小巷', `单位${String((i % units) + 1).padStart(2, '0')}`, '一般']);
  }
  return Buffer.from(await book.xlsx.writeBuffer());
}

async function inspectionRun(o: { serverUrl: string; bundlePath: string; points: number; units: number; list: Buffer; log: (line: string) => void }): Promise<Run> {
  const name = `bench_points_${o.points}_${Date.now()}`;
  const { url, db } = await freshDatabase(o.serverUrl, name);
  const cleanups: (() => Promise<unknown>)[] = [() => dropDatabase(o.serverUrl, name), () => db.end()];
  const run: Run = { points: o.points, units: o.units };
  let sampler: MemorySampler | undefined;
  try {
    const sink = await startSinkProcess(url, { log: o.log });
    cleanups.unshift(() => sink.stop());
    const dir = await mkdtemp(path.join(tmpdir(), 'chuangwen-bench-temporal-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const server = await startDevServer({ dataDir: dir, port: await freePort(), uiPort: await freePort(), logLevel: 'error' });
    cleanups.unshift(() => server.stop());
    const connection = await Connection.connect({ address: server.address });
    cleanups.unshift(() => connection.close());
    const client = new Client({ connection });
    const config: WorkerProcessConfig = { address: server.address, databaseUrl: url, smtpUrl: sink.url, bundlePath: o.bundlePath };
    const worker = await startWorkerProcess('./worker-process.ts', config, { log: o.log });
    cleanups.unshift(() => worker.stop());
    const postmaster = await postmasterPid(o.serverUrl);
    const components = async () =>
      withDriver({
        worker: { roots: [worker.pid] },
        temporalServer: { roots: [server.pid] },
        postgres: { roots: postmaster ? [postmaster] : [], reaped: true },
        smtpSink: { roots: [sink.pid] },
      });
    const cpu = new CpuMeter(components);
    sampler = new MemorySampler(components).start();

    const today = civilDate(Date.now());
    const def = definitionSchema.parse({
      id: `points-${Date.now()}`,
      title: '问题点位基准测试',
      office: { name: '基准测试创城办', documentPrefix: '基准创城', email: 'office@bench.example.org' },
      start: civilDate(Date.now(), -1),
      end: civilDate(Date.now(), 200),
      units: Array.from({ length: o.units }, (_, i) => {
        const n = String(i + 1).padStart(2, '0');
        return { id: `u${n}`, name: `单位${n}`, principal: { name: `负责人${n}`, email: `p${n}@bench.example.org` }, contact: { name: `联络员${n}`, email: `c${n}@bench.example.org` } };
      }),
    });
    await insertCampaign(db, def);
    await sleep(2000);
    const idle = await procMemory(worker.pid);
    run.workerIdleRssMiB = round(idle.rssMiB, 1);

    // Import and dispatch
    await cpu.begin();
    const t0 = Date.now();
    const imported = await importInspection(db, {
      campaignId: def.id,
      kind: 'superiorAssessment',
      heldOn: today,
      createdBy: 'bench',
      now: new Date(),
      list: { data: o.list, fileName: 'bench.xlsx' },
    });
    const t1 = Date.now();
    run.importSeconds = round((t1 - t0) / 1000, 2);
    await dispatchInspection(client, def.id, imported.inspectionId);
    const dispatched = await waitForUnits(db, 'pointDispatch', o.units, 300_000, o.log);
    run.dispatchCpuSeconds = await cpu.end();
    run.dispatchSeconds = round((Math.max(...dispatched.accepted.values()) - t1) / 1000, 2);
    run.importToLastDispatchMailSeconds = round((Math.max(...dispatched.accepted.values()) - t0) / 1000, 2);
    o.log(`  import ${run.importSeconds} s, every unit's 交办 accepted ${run.importToLastDispatchMailSeconds} s after the import began`);
    if (!dispatched.complete) {
      run.stopReason = `timeout: ${dispatched.accepted.size} of ${o.units} units' 交办 accepted`;
      return run;
    }
    await sleep(2000);
    const open = await procMemory(worker.pid);
    run.workerOpenRssMiB = round(open.rssMiB, 1);
    const { rows: bytes } = await db.query<{ b: string }>(
      "SELECT sum(pg_total_relation_size(c))::bigint AS b FROM unnest(ARRAY['inspection_points', 'point_events', 'point_photos']::regclass[]) AS c",
    );
    run.postgresBytesPerOpenPoint = Math.round(Number(bytes[0].b) / o.points);

    // Lapse: every point's first rung due at T
    const T = Date.now() + 5000;
    await db.query('UPDATE inspection_points SET next_rung_at = $2 WHERE inspection_id = $1', [imported.inspectionId, new Date(T)]);
    await pointsChanged(client, def.id, imported.inspectionId);
    await cpu.begin();
    const lapsed = await waitForUnits(db, 'overdue', o.units, 300_000, o.log);
    run.lapseCpuSeconds = await cpu.end();
    const latencies = [...lapsed.accepted.values()].map((at) => (at - T) / 1000);
    run.lapseAllUnitsSeconds = round(Math.max(...latencies), 2);
    run.lapseP99Seconds = round(quantile(latencies, 0.99), 2);
    run.lapseP50Seconds = round(quantile(latencies, 0.5), 2);
    o.log(`  lapse: every unit's 逾期通报 accepted ${run.lapseAllUnitsSeconds} s after the instant (p50 ${run.lapseP50Seconds} s)`);
    if (!lapsed.complete) run.stopReason = `timeout: ${lapsed.accepted.size} of ${o.units} units' 逾期通报 accepted`;
    return run;
  } catch (error) {
    run.stopReason = `error: ${(error as Error).message.slice(0, 200)}`;
    return run;
  } finally {
    if (sampler) run.memory = await sampler.stop();
    for (const c of cleanups) await c().catch((error) => o.log(`  cleanup: ${(error as Error).message}`));
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      points: { type: 'string', default: '10000' },
      units: { type: 'string', default: '50' },
      runs: { type: 'string', default: '3' },
      'no-warmup': { type: 'boolean', default: false },
    },
  });
  const points = Number(values.points);
  const units = Number(values.units);
  const runs = Number(values.runs);
  const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
  const quiet = (line: string) => {
    if (line.startsWith('  ')) log(line);
    else if (/error|fail/i.test(line) && !/节假日|activity_failure_include_heartbeat/.test(line)) log(`  worker: ${line.slice(0, 300)}`);
  };
  const machine = { cpus: cpuCount(), memoryGiB: round(totalmem() / 2 ** 30, 1), node: process.version };
  log(`machine: ${machine.cpus} cores, ${machine.memoryGiB} GiB, node ${machine.node}; load ${machineLoad().join(' ')}`);
  const pg = await startTemporaryPostgres();
  const bundle = await writeBundle((await bundleWorkflows()).code);
  const list = await pointList(points, units);
  const complete: Run[] = [];
  const stopped: Run[] = [];
  let warmup: Run | undefined;
  try {
    for (let i = values['no-warmup'] ? 1 : 0; i <= runs; i++) {
      const label = i === 0 ? 'warm-up (not counted)' : `run ${i}/${runs}`;
      const loadStart = machineLoad();
      log(`${points} points, ${units} units, ${label}; load ${loadStart.join(' ')}`);
      const run = await inspectionRun({ serverUrl: pg.url, bundlePath: bundle.path, points, units, list, log: quiet });
      run.load = { cpus: machine.cpus, start: loadStart, end: machineLoad() };
      if (i === 0) warmup = run;
      else if (run.stopReason) stopped.push(run);
      else complete.push(run);
    }
  } finally {
    await bundle.remove();
    await pg.stop();
  }
  const medians = medianPerMetric(complete);
  const result = { machine, settings: productionSettingsRecord(productionConfig()), points, units, medians, runs: complete, stopped, warmup, at: new Date().toISOString() };
  await writeFile(RESULTS, JSON.stringify(result, null, 2) + '\n');
  log(`medians over ${complete.length} complete run(s) (${stopped.length} stopped early): ${JSON.stringify(medians)}`);
}

await main();
