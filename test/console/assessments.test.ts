// Assessment scores through the API and the console page: a campaign in 2035 (no holiday schedule:
// Monday–Friday) with a round every month, time-skipped into round 1's scoring window (opens
// Thursday 2035-02-01 09:00, five working days), scores entered and refused, then past the window
// to the published ranking with its last-place consequence. Its own file: the skip moves the clock years.
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { definitionSchema } from '../../domain/definition.js';
import { BEIHAI_LAST_PLACE_RULES, testDefinition } from '../support/definitions.js';
import { waitFor } from '../support/wait.js';
import { type ApiSession, consoleForFile } from './support.js';

const { h, spec, admin, leader } = await consoleForFile();

async function api(method: 'GET' | 'POST', url: string, route: string, options: { as: ApiSession; body?: unknown; csrf?: boolean }) {
  const headers: Record<string, string> = { cookie: options.as.cookie };
  if (method === 'POST' && options.csrf !== false) headers['x-csrf-token'] = options.as.csrf;
  const response = await h.app.inject({ method, url, headers, ...(options.body !== undefined ? { payload: options.body as object } : {}) });
  spec.check(method, route, response);
  return response;
}

/** A console form as the browser posts it. */
function postForm(url: string, as: ApiSession, fields: Record<string, string>) {
  return h.app.inject({
    method: 'POST',
    url,
    headers: { cookie: as.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: as.csrf, ...fields }).toString(),
  });
}

const skipTo = async (iso: string) => {
  const ms = Date.parse(iso) - (await h.sim.env.currentTimeMs());
  if (ms > 0) await h.sim.env.sleep(ms);
};

describe('assessment scores', () => {
  it('takes scores while the round is open, refuses bad ones, and publishes the ranking they make', async () => {
    const def = definitionSchema.parse(
      testDefinition({ start: '2035-01-01', end: '2035-02-28', cadences: { bimonthlyAssessment: { everyMonths: 1 } }, assessment: BEIHAI_LAST_PLACE_RULES }),
    );
    const started = await api('POST', '/api/campaigns', '/api/campaigns', { as: admin, body: { yaml: stringify(def) } });
    expect(started.statusCode, started.body).toBe(201);
    const base = `/api/campaigns/${def.id}/assessments`;
    const route = '/api/campaigns/:campaignId/assessments';
    const scoresUrl = `${base}/scores`;
    const scoresRoute = `${route}/scores`;

    // Into round 1's window: Thursday 2035-02-01 10:00 campaign time.
    await skipTo('2035-02-01T02:00:00Z');
    const open = await waitFor(async () => {
      const r = await api('GET', base, route, { as: leader });
      return r.json().rounds[0]?.status === 'open' && r.json().rounds[0];
    }, 'round 1 open');
    expect(open).toMatchObject({ round: 1, label: '2035年1月', periodStart: '2035-01-01', periodEnd: '2035-01-31', items: [], ranking: [] });

    const entered = await api('POST', scoresUrl, scoresRoute, {
      as: admin,
      body: {
        round: 1,
        assessor: '测评组李明',
        scores: [
          { unitId: 'enforcement', item: '实地测评', score: 92 },
          { unitId: 'enforcement', item: '公共秩序', score: 88 },
          { unitId: 'utilities', item: '实地测评', score: 85 },
          { unitId: 'service', item: '实地测评', score: 78 },
        ],
      },
    });
    expect(entered.statusCode, entered.body).toBe(200);
    expect(entered.json()).toMatchObject({
      round: 1,
      label: '2035年1月',
      entered: { enforcement: { 实地测评: 92, 公共秩序: 88 }, utilities: { 实地测评: 85 }, service: { 实地测评: 78 } },
    });

    // Refused by the round's workflow, with its reason: out of range, unknown unit; a round not started.
    const tooHigh = await api('POST', scoresUrl, scoresRoute, { as: admin, body: { round: 1, scores: [{ unitId: 'service', item: '实地测评', score: 120 }] } });
    expect(tooHigh.statusCode).toBe(422);
    expect(tooHigh.json()).toMatchObject({ error: 'InvalidInput', message: '第 1 条：分数应在 0 到 100 之间（service，实地测评）' });
    const unknown = await api('POST', scoresUrl, scoresRoute, { as: admin, body: { round: 1, scores: [{ unitId: 'nowhere', item: '实地测评', score: 80 }] } });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().message).toBe('第 1 条：未知单位 nowhere');
    expect((await api('POST', scoresUrl, scoresRoute, { as: admin, body: { round: 2, scores: [{ unitId: 'service', item: '实地测评', score: 80 }] } })).statusCode).toBe(404);
    expect((await api('POST', scoresUrl, scoresRoute, { as: leader, body: { round: 1, scores: [{ unitId: 'service', item: '实地测评', score: 80 }] } })).statusCode).toBe(403);

    const { rows: items } = await h.database.db.query(
      `SELECT unit_id, item, score, source, assessor FROM assessment_item_scores WHERE campaign_id = $1 ORDER BY unit_id, item`,
      [def.id],
    );
    expect(items).toEqual([
      { unit_id: 'enforcement', item: '公共秩序', score: 88, source: 'entered', assessor: '测评组李明' },
      { unit_id: 'enforcement', item: '实地测评', score: 92, source: 'entered', assessor: '测评组李明' },
      { unit_id: 'service', item: '实地测评', score: 78, source: 'entered', assessor: '测评组李明' },
      { unit_id: 'utilities', item: '实地测评', score: 85, source: 'entered', assessor: '测评组李明' },
    ]);

    // The page: the round open, its items as columns of the scores form.
    const pageUrl = `/campaigns/${def.id}/assessments`;
    const page = await h.app.inject({ method: 'GET', url: pageUrl, headers: { cookie: admin.cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('第1轮实地测评（2035年1月）');
    expect(page.body).toContain('评分中');
    expect(page.body).toContain('name="item.0" value="公共秩序"');
    expect(page.body).toContain('name="item.1" value="实地测评"');
    expect(page.body).toContain('name="score.service.2"');
    // A leader sees the scores, not the form.
    const leaderPage = await h.app.inject({ method: 'GET', url: pageUrl, headers: { cookie: leader.cookie } });
    expect(leaderPage.body).toContain('各项得分');
    expect(leaderPage.body).not.toContain('/assessments/scores');

    // The form: a refusal shows on the page with what was typed; then a correction is taken.
    const refused = await postForm(`/campaigns/${def.id}/assessments/scores`, admin, {
      round: '1',
      assessor: '赵明',
      'item.0': '公共秩序',
      'item.1': '实地测评',
      'item.2': '环境卫生',
      'score.service.2': '120',
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('分数未录入：第 1 条：分数应在 0 到 100 之间（service，环境卫生）');
    expect(refused.body).toContain('name="item.2" maxlength="100" value="环境卫生"');
    expect(refused.body).toMatch(/name="score\.service\.2"[^>]*value="120"/);
    const taken = await postForm(`/campaigns/${def.id}/assessments/scores`, admin, { round: '1', assessor: '赵明', 'item.1': '实地测评', 'score.service.1': '80' });
    expect(taken.statusCode, taken.body).toBe(303);
    expect(taken.headers.location).toBe(`${pageUrl}?done=1#round-1`);
    expect((await postForm(`/campaigns/${def.id}/assessments/scores`, leader, { round: '1', 'item.0': '实地测评', 'score.service.0': '99' })).statusCode).toBe(403);

    // Past the window (five working days: Thursday 2035-02-08 09:00): ranked by the mean of the items, published.
    await skipTo('2035-02-12T02:00:00Z');
    const published = await waitFor(async () => {
      const r = await api('GET', base, route, { as: leader });
      return r.json().rounds[0]?.status === 'published' && r.json().rounds[0];
    }, 'round 1 published');
    expect(published.ranking).toEqual([
      { unitId: 'enforcement', unitName: '区综合执法分局', score: 90, rank: 1, last: false },
      { unitId: 'utilities', unitName: '区公用事业局', score: 85, rank: 2, last: false },
      { unitId: 'service', unitName: '北海服务中心', score: 80, rank: 3, last: true, consequence: 'criticism', consequenceName: '通报批评' },
    ]);
    const { rows: results } = await h.database.db.query(
      'SELECT unit_id, score, rank, last, consequence FROM assessment_scores WHERE campaign_id = $1 AND round = 1 ORDER BY rank',
      [def.id],
    );
    expect(results).toEqual([
      { unit_id: 'enforcement', score: 90, rank: 1, last: false, consequence: null },
      { unit_id: 'utilities', score: 85, rank: 2, last: false, consequence: null },
      { unit_id: 'service', score: 80, rank: 3, last: true, consequence: 'criticism' },
    ]);
    const after = await h.app.inject({ method: 'GET', url: pageUrl, headers: { cookie: leader.cookie } });
    expect(after.body).toContain('已公布');
    expect(after.body).toMatch(/<td data-label="单位">北海服务中心 <span class="badge rung-1">末位<\/span><\/td><td data-label="得分">80<\/td><td data-label="末位处理">通报批评<\/td>/);
    expect(after.body).toContain('各单位得分走势');

    // Published: no more scores for that round.
    const late = await api('POST', scoresUrl, scoresRoute, { as: admin, body: { round: 1, scores: [{ unitId: 'service', item: '实地测评', score: 95 }] } });
    expect(late.statusCode).toBe(409);
    expect(late.json()).toMatchObject({ error: 'AlreadyPublished', message: '第1轮测评结果已公布，不能再录入分数' });
  });
});
