// The five real plans (Traditional characters, scraping noise) import with exactly what their texts say.
// Expected values are written by hand from shared/plans/*.txt.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { importPlan, type PlanImport } from '../../plan/index.js';
import { definitionOf, definitionProblems, havePlans, leaderRoles, plansDir, taskUnits, type Def } from './support.js';

async function load(name: string): Promise<{ result: PlanImport; def: Def }> {
  const result = await importPlan(await readFile(path.join(plansDir, name)), name);
  return { result, def: definitionOf(result) };
}

function expectValidExceptPlaceholders(result: PlanImport) {
  expect(result.problems).toEqual([]);
  const { placeholders, others } = definitionProblems(result);
  expect(others).toEqual([]);
  expect(placeholders).toBe(result.placeholderEmails);
  expect(placeholders).toBeGreaterThan(0);
}

describe.skipIf(!havePlans)('1-guiyang-2020: leadership group, office, five areas', () => {
  let result: PlanImport;
  let def: Def;
  beforeAll(async () => ({ result, def } = await load('1-guiyang-2020.txt')));

  it('passes the schema except for placeholder e-mail addresses', () => expectValidExceptPlaceholders(result));

  it('reads the source, the year and the cited document', () => {
    expect(def.source?.issuingBody).toBe('湖南桂阳工业园区管理委员会');
    expect(def.start).toBe('2020-01-01');
    expect(def.end).toBe('2020-12-31');
    expect(def.source?.references).toEqual([
      '《2020年桂阳县创建全国文明城市实施方案》（桂办字〔2020〕12号）',
      '《项目区创建全国文明城市实地测评工作清单》',
      '《网格帮扶工作职责》',
    ]);
    expect(result.model.source.titleDefaulted).toBe(true);
    expect(def.title).toBe('湖南桂阳工业园区管理委员会2020年创建全国文明城市实施方案');
  });

  it('reads every leader with their role, joining padded and wrapped names', () => {
    expect(leaderRoles(def)).toEqual([
      ['adviser', '欧阳育军'],
      ['groupLeader', '黄龙'],
      ['executiveDeputy', '欧阳小文'],
      ['deputyLeader', '刘咏雪'],
      ['deputyLeader', '邓佑长'],
      ['deputyLeader', '邓立桂'],
      ['deputyLeader', '李宇峰'],
      ['deputyLeader', '廖清平'],
      ['deputyLeader', '贺爱兵'],
      ['deputyLeader', '宁文锋'],
      ['deputyLeader', '胡汉权'],
      ['responsibleLeader', '徐志锋'],
    ]);
    expect(def.leaders.at(-1)?.title).toBe('桂阳工业园网格帮扶工作小组副组长');
    expect(result.model.leadershipNotes.map((n) => [n.line, n.message])).toEqual([
      [25, '领导小组成员：园区和园区开发公司各局室负责人（未列姓名）'],
    ]);
  });

  it('reads the office with its director and location', () => {
    expect(def.office.name).toBe('湖南桂阳工业园区管理委员会2020年创建全国文明城市工作领导小组办公室');
    expect(def.office.director?.name).toBe('欧阳小文');
    expect(result.model.office.location).toEqual({ text: '园区办公室', line: 27 });
    expect(result.model.office.shortName).toBe('园区创建办');
    expect(def.office.documentPrefix).toBe('桂阳创文');
    expect(result.yaml).toContain('# 办公地点：园区办公室（第27行');
  });

  it('reads the five areas with leader, bureaus and duties', () => {
    const leaderName = (id?: string) => def.leaders.find((l) => l.id === id)?.name;
    const unitName = (id: string) => def.units.find((u) => u.id === id)?.name;
    expect(def.areas?.map((a) => [a.name, leaderName(a.responsibleLeader), a.units.map(unitName)])).toEqual([
      ['创新产业园', '刘咏雪', ['招商合作局', '经济发展局']],
      ['芙蓉食品医药产业园', '欧阳小文', ['办公室', '纪检监察室']],
      ['有色产业园（宝山项目区）', '李宇峰', ['有色园区管理局', '社会事务局']],
      ['家居产业园', '邓佑长', ['产业发展局', '企业服务中心', '财政所']],
      ['百花社区三网格和芙蓉食品医药产业园网格帮扶', '欧阳小文', []],
    ]);
    expect(def.areas?.[0].duties).toBe('负责创新产业园及创新产业园各企业创建工作。');
    expect(def.areas?.[4].duties).toBe(
      '成立桂阳工业园网格帮扶工作小组（组长欧阳小文，副组长徐志锋，成员为园区和园区开发公司全体干部职工）',
    );
    // A unit in one area answers to the area's leader.
    expect(def.units.find((u) => u.name === '财政所')?.responsibleLeader).toBe(
      def.leaders.find((l) => l.name === '邓佑长')?.id,
    );
  });

  it('has no tasks, and says so', () => {
    expect(def.tasks).toEqual([]);
    expect(result.warnings.map((w) => w.message)).toContain(
      '方案没有列出写明责任单位或责任人的任务，定义中的任务为空，请在审核时补充',
    );
  });

  it('reads the rules of line 79: patrol, performance, accountability, refusing enterprises', () => {
    expect(def.cadences).toEqual({ routinePatrol: { line: 79 }, weeklyCheck: { weekday: 1, proposed: true } });
    expect(result.yaml).toContain('proposed: true');
    // The plan names 追责 only; the other rungs of the default ladder stay, without a line.
    expect(def.escalation).toEqual({
      ladder: [{ rung: 'overdueNotice' }, { rung: 'supervisionLetter' }, { rung: 'interview' }, { rung: 'accountabilityReferral', line: 79 }],
      enterprises: { noticeScope: '全园区', interviewPrincipal: true, line: 79 },
    });
    expect(result.yaml).toContain('# 逾期通报（方案未写，按默认阶梯）');
    expect(def.assessment).toEqual({
      performance: { period: 'yearEnd', line: 79 },
      performanceDeduction: { trigger: '被县创建办通报', line: 79 },
    });
  });
});

describe.skipIf(!havePlans)('2-beihai-2021: eight special rectification actions', () => {
  let result: PlanImport;
  let def: Def;
  beforeAll(async () => ({ result, def } = await load('2-beihai-2021.txt')));

  it('passes the schema except for placeholder e-mail addresses', () => expectValidExceptPlaceholders(result));

  it('reads the eight actions with lead and cooperating units', () => {
    expect(taskUnits(def).filter(([, lead]) => lead !== '待明确责任单位')).toEqual([
      ['开展回迁楼小区环境治理行动', '区公用事业局', ['区综合执法分局', '北海服务中心']],
      ['开展广告牌匾和各类线路箱体综合整治美化行动', '区综合执法分局', ['北海服务中心']],
      ['开展背街小巷整治提升行动', '区综合执法分局', ['区公用事业局', '北海服务中心', '北海交警队']],
      ['开展占道经营整治行动', '区综合执法分局', ['区公用事业局', '北海服务中心', '盖州市场监督管理北海分局']],
      ['开展北海农贸市场综合整治行动', '区综合执法分局', ['北海服务中心', '盖州市场监督管理北海分局']],
      ['开展交通秩序整治行动', '盖州市公安局北海综合管理大队', ['北海交警队']],
      ['开展“清洁家园”环境提升行动', '区党群工作部', ['北海服务中心', '旅游公司']],
      ['启动“我为群众办实事”入户普及创建知识行动', '区党群工作部', ['机关', '国有企业']],
    ]);
    const actions = def.tasks.filter((t) => t.leadUnit !== 'unassigned');
    expect(actions.map((t) => t.id)).toEqual(['task-5-1', 'task-5-2', 'task-5-3', 'task-5-4', 'task-5-5', 'task-5-6', 'task-5-7', 'task-5-8']);
    expect(actions[0].description).toMatch(/^切实解决群众关注的热点难点问题，完成回迁居民房照办理工作。/);
    expect(actions[0].description).toMatch(/照明灯完好。$/);
  });

  it('counts 区北海服务中心 and 北海服务中心 as one unit', () => {
    expect(def.units.map((u) => u.name)).toEqual([
      '区公用事业局',
      '区综合执法分局',
      '北海服务中心',
      '北海交警队',
      '盖州市场监督管理北海分局',
      '盖州市公安局北海综合管理大队',
      '区党群工作部',
      '旅游公司',
      '机关',
      '国有企业',
      '待明确责任单位',
    ]);
    expect(result.yaml).toContain('# 原文也写作「区北海服务中心」（第131行），视为同一单位');
  });

  it('dates the actions in 2021 (section heading) within the 2021–2023 cycle', () => {
    expect([def.start, def.end]).toEqual(['2021-01-01', '2023-12-31']);
    expect(def.source?.period).toBe('2021年至2023年');
    for (const t of def.tasks.filter((t) => t.leadUnit !== 'unassigned')) expect([t.start, t.deadline]).toEqual(['2021-01-01', '2021-12-31']);
    // The items of 四、主要任务 say no year: the plan's cycle.
    for (const t of def.tasks.filter((t) => t.leadUnit === 'unassigned')) expect([t.start, t.deadline]).toEqual(['2021-01-01', '2023-12-31']);
    expect(def.source?.issuingBody).toBe('北海经济开发区');
    expect(def.office.name).toBe('北海经济开发区创城工作领导小组办公室');
    expect(def.office.documentPrefix).toBe('北海创城');
  });

  it('reads dispatch, bimonthly assessment and monthly materials in four forms', () => {
    expect(def.cadences).toEqual({
      monthlyMaterials: { recipient: '区党群工作部', forms: ['document', 'photo', 'report', 'dataTable'], line: 95, lines: [95, 97] },
      dispatch: { leaders: 'monthly', deputies: 'halfMonthly', office: 'weekly', line: 155 },
      bimonthlyAssessment: { everyMonths: 2, method: '实地测评', line: 157 },
      weeklyCheck: { weekday: 1, proposed: true },
    });
  });

  it('reads the last-place rules and the year-end performance', () => {
    expect(def.assessment).toEqual({
      lastPlace: { action: 'criticismNotice', line: 157 },
      consecutiveLastPlace: { times: 2, action: 'interview', target: '部门主要领导', line: 157 },
      stillFailing: { action: 'accountabilityReferral', line: 157 },
      publishResults: { scope: '全区', line: 157 },
      reportTo: { to: '区党工委、管委会主要领导', line: 157 },
      performance: { period: 'yearEnd', usedFor: ['干部评优评先', '绩效奖励', '提拔任用'], line: 157 },
    });
    expect(def.escalation).toBeUndefined();
    // The results go to the body the plan names: its address is left to fill in.
    expect(def.office.superior).toEqual({ name: '区党工委、管委会主要领导', email: 'superior@placeholder.invalid' });
  });

  it('reads the indicators with thresholds', () => {
    expect(def.indicators?.map((i) => [i.text, i.operator, i.value, i.unit])).toEqual([
      ['每个街道拥有晨晚练体育活动点5个以上', '>=', 5, '个'],
      ['人均体育场地面积大于1.08平方米', '>', 1.08, '平方米'],
      ['主干道装灯率100%', '>=', 100, '%'],
      ['亮灯率≥96%', '>=', 96, '%'],
      ['装灯率100%', '>=', 100, '%'],
      ['生活垃圾无害化处理率大于95%', '>', 95, '%'],
      ['群众满意度调查>80%', '>', 80, '%'],
    ]);
  });

  it('imports the numbered items without units as tasks whose lead unit is to be filled', () => {
    const unassigned = def.tasks.filter((t) => t.leadUnit === 'unassigned');
    expect(unassigned).toHaveLength(28);
    expect(unassigned[0]).toMatchObject({ id: 'task-4-1-1', title: '深入学习贯彻治国理政新理念新思想新战略', cooperatingUnits: [] });
    expect(unassigned.at(-1)?.title).toBe('报送材料要精准');
    expect(result.unplaced).toEqual([]);
    expect(result.warnings.map((w) => w.message)).toContainEqual(expect.stringMatching(/^28 项任务方案未写明责任单位，已导入并暂列「待明确责任单位」，请在审核时填写（第29行、第31行、/));
    expect(result.yaml).toContain('# 方案未写明责任单位的 28 项任务暂列于此：请把各任务的 leadUnit 改为实际单位，再删去此项');
    expect(result.summary).toContain('方案未写明责任单位的任务 28 项（暂列「待明确责任单位」，请填写实际单位）：');
    expect(def.leaders).toEqual([]);
  });
});

describe.skipIf(!havePlans)('3-linxi-2016: tasks owned by named persons', () => {
  let result: PlanImport;
  let def: Def;
  beforeAll(async () => ({ result, def } = await load('3-linxi-2016.txt')));

  it('passes the schema except for placeholder e-mail addresses', () => expectValidExceptPlaceholders(result));

  it('reads the eight 创建内容 and six 重点举措 with their responsible persons', () => {
    expect(taskUnits(def)).toEqual([
      ['筑牢理想信念基础', '孙秀存', ['孙巧枝']],
      ['培育践行核心价值观', '胡延平', ['孙巧枝']],
      ['打造园区优美环境', '兴连海', []],
      ['维护社会优良秩序', '蒋克国', ['王世国']],
      ['提供优质公共服务', '胡延平', ['孙新华']],
      ['丰富群众文化生活', '王世国', ['孙巧枝']],
      ['提升居民素质', '孙秀存', ['孙巧枝']],
      ['加强基础设施建设', '于宝玉', []],
      ['全力建设“美丽乡村”', '董福庆', ['孙巧枝']],
      ['组织举办“中国共产党建党95周年”系列活动', '孙秀存', []],
      ['著力于干部思想作风建设', '蒋克国', []],
      ['开展好关爱留守儿童活动', '于宝玉', ['张秀红']],
      ['广泛开展“送文化下乡”活动', '王世国', []],
      ['集中开展移风易俗专项整治活动', '孙秀存', []],
    ]);
    // People stand in as units, named as they are.
    expect(def.units.every((u) => u.kind === 'other' && u.principal.name === u.name)).toBe(true);
    // Line 35 says 责任单位 but names people: read as persons, with a warning.
    expect(result.warnings).toContainEqual({ line: 35, message: '「责任单位」后写的是人名（王世国、孙巧枝），按责任人处理' });
    // The noise "的." inside line 53 is gone.
    expect(def.tasks[9].description).toContain('以爱国主义为核心的民族精神');
  });

  it('dates 创建内容 over 2016–2018 and the 2016 重点举措 in 2016', () => {
    expect([def.start, def.end]).toEqual(['2016-01-01', '2018-12-31']);
    expect(def.tasks.slice(0, 8).every((t) => t.start === '2016-01-01' && t.deadline === '2018-12-31')).toBe(true);
    expect(def.tasks.slice(8).every((t) => t.start === '2016-01-01' && t.deadline === '2016-12-31')).toBe(true);
  });

  it('reads the leadership group given by posts only, names left to fill in', () => {
    expect(def.leaders.map((l) => [l.role, l.name, l.title])).toEqual([
      ['groupLeader', '待填写', '园区党工委书记'],
      ['deputyLeader', '待填写', '党工委副书记'],
    ]);
    expect(def.cadences).toEqual({ weeklyCheck: { weekday: 1, proposed: true } });
    expect(def.phases).toBeUndefined();
    expect(result.unplaced).toEqual([]);
  });
});

describe.skipIf(!havePlans)('4-longling-2016: working groups, checks and supervision letters', () => {
  let result: PlanImport;
  let def: Def;
  beforeAll(async () => ({ result, def } = await load('4-longling-2016.txt')));

  it('passes the schema except for placeholder e-mail addresses', () => expectValidExceptPlaceholders(result));

  it('reads the leadership group across wrapped lines', () => {
    const byRole = (role: string) => def.leaders.filter((l) => l.role === role).map((l) => l.name);
    expect(byRole('groupLeader')).toEqual(['谭正祥']);
    expect(byRole('deputyLeader')).toEqual(['高志荣', '王超民', '雷桂和', '杨应武', '金辉', '薛兴华', '曹建明', '蔡文明', '刘坤']);
    expect(byRole('member')).toEqual([
      '邹大可',
      '曾世祥',
      '李建明',
      '游容初',
      '段学文',
      '瞿立夏',
      '曹震',
      '刘洋',
      '叶安辉',
      '李建华',
      '文斌',
    ]);
  });

  it('reads the office, its director, deputy director and location', () => {
    expect(def.office.name).toBe('龙岭工业集中区文明创建办公室');
    expect(def.office.director?.name).toBe('段学文');
    expect(result.model.office.deputies.map((d) => d.name)).toEqual(['瞿立夏']);
    expect(result.model.office.location?.text).toBe('党政综合办公室');
  });

  it('reads the five working groups as tasks (first responsible unit leads)', () => {
    expect(taskUnits(def)).toEqual([
      ['基础环境整治组', '社会事务办', ['龙岭城管执法大队', '拆违大队', '各社区']],
      ['问卷调查组', '各社区', []],
      ['志愿服务组', '党政综合办', ['团工委']],
      ['法治环境宣传组', '综治办', []],
      ['创建活动组', '党政综合办', ['社会事务办', '工会', '团工委']],
    ]);
    expect(def.tasks[1].description).toBe('社区居民和店铺商家问卷调查引导工作和组织工作。');
    expect(def.tasks[2].indicators).toEqual(['注册志愿者人数占人口总数比例10%']);
    expect(def.units.find((u) => u.name === '各社区')?.kind).toBe('community');
  });

  it('reads 每周一检查、每月一通报、每季一调度、半年一小结', () => {
    expect(def.cadences).toEqual({
      weeklyCheck: { weekday: 1, method: '检查', line: 45 },
      monthlyBulletin: { line: 45 },
      quarterlyDispatch: { line: 45 },
      halfYearSummary: { line: 45 },
    });
  });

  it('reads the supervision letter with a deadline, accountability and complaints', () => {
    expect(def.escalation).toEqual({
      ladder: [
        { rung: 'overdueNotice' },
        { rung: 'supervisionLetter', rectificationDeadline: true, line: 45 },
        { rung: 'interview' },
        { rung: 'accountabilityReferral', line: 47 },
      ],
      complaints: { sources: ['citizen', 'media'], action: 'supervisionLetter', line: 45, lines: [45, 51] },
      reportToSuperior: { line: 47 },
    });
    expect(def.assessment).toEqual({ performance: { period: 'yearly', line: 47 } });
    // 向市、区创建领导小组报告: the last rung is copied to them; the punishment to propose is the office's.
    expect(def.office.superior?.name).toBe('市、区创建领导小组');
    expect(def.manual).toEqual([{ rule: '建议上级给予相应处罚', line: 47, reason: '末级督办抄送上级；建议何种处罚需由创建办研判' }]);
    expect(result.summary).toContain('不自动执行 1 条');
  });

  it('joins the paragraph a page break cut (lines 5 and 7) and dates the plan from its cited document', () => {
    expect([def.start, def.end]).toEqual(['2016-01-01', '2016-12-31']);
    expect(def.source?.references).toEqual([
      '《全国文明城市测评体系》',
      '《益阳市创建全国文明城市工作督查考核办法（实行）》（益创文〔2016〕1号）',
    ]);
    expect(result.model.doc.root.children[0].blocks[0].text).toContain('提升社会文明程度和市民幸福指数');
    expect(result.unplaced).toEqual([]);
  });
});

describe.skipIf(!havePlans)('5-hecheng-2015: three phases', () => {
  let result: PlanImport;
  let def: Def;
  beforeAll(async () => ({ result, def } = await load('5-hecheng-2015.txt')));

  it('passes the schema except for placeholder e-mail addresses', () => expectValidExceptPlaceholders(result));

  it('reads the phases with their date ranges and spans the campaign over them', () => {
    expect(def.phases).toEqual([
      { name: '规划部署启动', start: '2015-01-01', end: '2015-03-31' },
      { name: '深入推进攻坚克难', start: '2015-04-01', end: '2016-06-30' },
      { name: '巩固成果积极备检', start: '2016-07-01', end: '2016-12-31' },
    ]);
    expect([def.start, def.end]).toEqual(['2015-01-01', '2016-12-31']);
  });

  it('reads the monthly spot check with its bulletin and the annual performance review', () => {
    // 每月一抽查，进行结果通报: one cadence, the check with its own bulletin.
    expect(def.cadences).toEqual({ monthlyCheck: { method: '抽查', line: 27 }, weeklyCheck: { weekday: 1, proposed: true } });
    expect(def.assessment).toEqual({ performance: { period: 'yearly', line: 27 } });
  });

  it('cites the superior documents, the nested title included', () => {
    expect(def.source?.references).toEqual([
      '《中共怀化市委怀化市人民政府关于印发〈怀化市创建省级文明城市实施方案〉的通知》（怀发〔2015〕3号）',
      '《湖南省文明城市测评体系（试行）》',
      '《怀化市创建省级文明城市实施方案》',
    ]);
  });

  it('stands the office in as the only unit, and says so', () => {
    expect(def.tasks).toEqual([]);
    expect(def.units.map((u) => u.id)).toEqual(['office']);
    expect(result.warnings.map((w) => w.message)).toContain('方案没有列出任何责任单位，定义中暂以创建办作为唯一单位，请补充');
    expect(result.warnings.map((w) => w.message)).toContain('未能确定发文单位（方案中没有标题、落款或“成立××领导小组”）');
  });
});
