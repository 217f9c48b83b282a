// The Chinese summary of an import that the administrator reads on the terminal.
import { LEADER_ROLE_NAMES } from '../domain/definition.js';
import { lookupSummary, type DirectoryMatches } from './directory.js';
import { directoryWords, EVERY_MONTHS, type BuiltDefinition } from './to-definition.js';
import type { PlanModel, RuleData } from './model.js';
import { FREQUENCY_NAMES } from './engine-rules.js';
import { EVIDENCE_FORMS } from './extract-rules.js';
import { lineRef } from './text.js';
import { UNASSIGNED_UNIT_NAME } from './units.js';

const ACTION_NAMES: Record<string, string> = {
  criticismNotice: '通报批评',
  interview: '约谈',
  accountabilityReferral: '追究责任',
  supervisionLetter: '下发督办函',
  performanceDeduction: '扣减绩效',
  overdueNotice: '逾期通报',
  parkWideNotice: '全园区通报',
};

export function summarise(model: PlanModel, built: BuiltDefinition, matches?: DirectoryMatches): string {
  const at = (line?: number) => lineRef(line, model.lineUnit);
  const { source, office } = model;
  const out: string[] = [];
  out.push(`实施方案：${source.title}${source.titleDefaulted ? '（正文无标题，已按发文单位与年份拼成）' : ''}`);
  out.push(
    `读取：${model.fileName.replace(/^.*[\\/]/, '')}（${model.encoding.toUpperCase()}${model.converted ? '，繁体已转为简体' : ''}）`,
  );
  out.push(`发文单位：${source.issuingBody ?? '未能确定'}`);
  out.push(`期间：${source.period.start} 至 ${source.period.end}（${source.period.label}）`);
  if (source.references.length) out.push(`引用文件：${source.references.map((r) => r.text).join('；')}`);

  const units = model.units.all();
  const personal = units.filter((u) => u.person).length;
  const taskIndicators = model.tasks.reduce((n, t) => n + t.indicators.length, 0);
  out.push('');
  out.push(
    `共读出：任务 ${model.tasks.length} 项，单位 ${units.length} 个${personal ? `（其中 ${personal} 个是按责任人建的个人）` : ''}，` +
      `领导 ${model.leaders.length} 人，项目区 ${model.areas.length} 个，阶段 ${model.phases.length} 个，` +
      `工作节奏 ${Object.keys(model.rules.cadences).length} 项，指标 ${model.indicators.length} 项` +
      (taskIndicators ? `（另有任务内指标 ${taskIndicators} 项）` : ''),
  );

  if (model.leaders.length) {
    const byRole = model.leaders.map((l) => {
      const filled = matches?.leaders.get(l)?.hit?.entry.name;
      const who = l.name ?? (filled ? `${filled}（${l.title ?? ''}，按通讯录）` : `（${l.title ?? ''}，姓名待填写）`);
      return `${l.group ? (l.title ?? l.group) : LEADER_ROLE_NAMES[l.role]} ${who}`;
    });
    out.push(`领导：${byRole.join('；')}`);
  }
  for (const n of model.leadershipNotes) out.push(`  ${n.message}（${at(n.line)}）`);
  out.push(
    `创建办：${office.name}${office.director ? `，主任 ${office.director.name}` : ''}` +
      `${office.location ? `，办公地点 ${office.location.text}` : ''}；文号前缀「${office.documentPrefix}」`,
  );
  for (const a of model.areas) {
    out.push(`项目区：${a.name}${a.leaderName ? `（责任领导 ${a.leaderName}）` : ''}${a.units.length ? `：${a.units.map((u) => u.name).join('、')}` : ''}`);
  }
  for (const p of model.phases) out.push(`阶段：${p.name} ${p.start} 至 ${p.end}`);
  if (model.tasks.length) {
    out.push('任务：');
    for (const t of model.tasks) {
      const coop = t.cooperating.length ? `；配合 ${t.cooperating.map((u) => u.name).join('、')}` : '';
      out.push(`  ${t.id} ${t.title}（责任 ${t.lead.name}${coop}；${t.start} 至 ${t.deadline}）`);
    }
  }
  if (units.length) out.push(`单位：${units.map((u) => u.name).join('、')}`);
  const unassigned = model.tasks.filter((t) => t.lead.name === UNASSIGNED_UNIT_NAME);
  if (unassigned.length) {
    out.push(`方案未写明责任单位的任务 ${unassigned.length} 项（暂列「${UNASSIGNED_UNIT_NAME}」，请填写实际单位）：`);
    for (const t of unassigned) out.push(`  ${t.id} ${t.title}（${at(t.line)}）`);
  }

  if (matches && built.directory) out.push(...describeDirectory(model, matches, built));

  const cadences = describeCadences(model.rules.cadences, at);
  if (cadences.length) out.push(`工作节奏：${cadences.join('；')}`);
  const rules = describeRules(model, at);
  if (rules.length) out.push(`督办与考核：${rules.join('；')}`);
  if (model.rules.manual.length) {
    out.push(`不自动执行 ${model.rules.manual.length} 条（已写入定义的 manual，请创建办按原文办理）：`);
    for (const m of model.rules.manual) out.push(`  ${m.line ? `${at(m.line)}：` : ''}${m.rule}（${m.reason}）`);
  }
  if (model.indicators.length) out.push(`指标：${model.indicators.map((i) => i.text).join('、')}`);

  if (model.warnings.length) {
    out.push('', `提醒 ${model.warnings.length} 条：`);
    for (const w of model.warnings) out.push(`  ${w.line ? `${at(w.line)}：` : ''}${w.message}`);
  }
  if (model.unplaced.length) {
    out.push('', `未能归类 ${model.unplaced.length} 处（未写入定义，已列在定义文件开头）：`);
    for (const u of model.unplaced) out.push(`  ${u.line ? `${at(u.line)}：` : ''}${u.message}`);
  }
  out.push(
    '',
    `待填写：占位邮箱 ${built.placeholderEmails} 处${built.placeholderNames ? `，姓名 ${built.placeholderNames} 处` : ''}；` +
      '补全后用 chuangwen plan validate 校验，再启动创建活动。',
  );
  return out.join('\n');
}

/** Which name of the plan matched which 通讯录 entry and how; what it lacks. */
function describeDirectory(model: PlanModel, matches: DirectoryMatches, built: BuiltDefinition): string[] {
  const out = [`通讯录（在用单位 ${matches.inUse.units} 个、人员 ${matches.inUse.people} 人）：${directoryWords(built.directory!).replace(/^通讯录：/, '')}`];
  if (matches.inUse.units === 0 && matches.inUse.people === 0) {
    out[0] = '通讯录：为空（chuangwen directory import 导入后，再导入方案即可按通讯录填写）';
    return out;
  }
  const absent: Record<'单位' | '人员', string[]> = { 单位: [], 人员: [] };
  const line = (label: string, plain: string, lookup: Parameters<typeof lookupSummary>[1] | undefined, what: '单位' | '人员') => {
    if (!lookup) return;
    const text = lookupSummary(label, lookup, what);
    if (text) out.push(`  ${text}`);
    else if (!absent[what].includes(plain)) absent[what].push(plain);
  };
  if (matches.office) line(`创建办「${model.office.name}」`, model.office.name, matches.office, '单位');
  if (matches.director && model.office.director) line(`创建办主任「${model.office.director.name}」`, model.office.director.name, matches.director, '人员');
  if (matches.superior && model.rules.superior) line(`上级「${model.rules.superior.name}」`, model.rules.superior.name, matches.superior, '单位');
  for (const u of model.units.all()) {
    line(`${u.person ? '责任人' : '单位'}「${u.name}」`, u.name, matches.units.get(u) ?? matches.personUnits.get(u), u.person ? '人员' : '单位');
  }
  for (const l of model.leaders) {
    const role = l.group ? (l.title ?? l.group) : LEADER_ROLE_NAMES[l.role];
    line(l.name ? `领导「${l.name}」` : `领导（${role}${l.title && !l.group ? `，${l.title}` : ''}）`, l.name ?? role, matches.leaders.get(l), '人员');
  }
  const lacking = (['单位', '人员'] as const).filter((k) => absent[k].length).map((k) => `${k} ${absent[k].join('、')}`);
  if (lacking.length) out.push(`  通讯录中没有：${lacking.join('；')}（仍为占位）`);
  return out;
}

function describeCadences(cadences: Record<string, RuleData>, at: (line?: number) => string): string[] {
  const out: string[] = [];
  const simple: Record<string, string> = {
    weeklyCheck: '每周一检查',
    monthlyBulletin: '每月一通报',
    quarterlyDispatch: '每季一调度',
    weeklyDispatch: '每周一调度',
    biweeklyDispatch: '每两周一调度',
    halfMonthlyDispatch: '每半月一调度',
    tenDaysDispatch: '每旬一调度',
    monthlyDispatch: '每月一调度',
    halfYearSummary: '半年一小结',
    yearEndSummary: '年终总结',
    routinePatrol: '日常巡查',
  };
  for (const [key, rule] of Object.entries(cadences)) {
    if (rule.proposed) out.push(`${key === 'weeklyCheck' ? '每周一检查' : key === 'bimonthlyAssessment' ? '每两月测评' : key}（建议，方案未写）`);
    else if (simple[key]) out.push(`${simple[key]}（${at(rule.line)}）`);
    else if (key === 'monthlyCheck') out.push(`每月${rule.method ?? '检查'}（${at(rule.line)}）`);
    else if (key === 'dispatch') {
      const parts = (['office', 'deputies', 'leaders'] as const)
        .filter((k) => rule[k])
        .map((k) => `${{ office: '创建办', deputies: '分管领导', leaders: '主要领导' }[k]}${FREQUENCY_NAMES[rule[k] as string] ?? rule[k]}调度`);
      out.push(`${parts.join('、')}（${at(rule.line)}）`);
    } else if (key === 'bimonthlyAssessment') {
      const every = EVERY_MONTHS[rule.everyMonths as number] ?? `每${rule.everyMonths}个月`;
      out.push(`${every}${rule.method ?? '测评'}（${at(rule.line)}）`);
    } else if (key === 'monthlyMaterials' || key === 'materials') {
      const forms = Array.isArray(rule.forms)
        ? `，${Object.entries(EVIDENCE_FORMS)
            .filter(([, v]) => (rule.forms as string[]).includes(v))
            .map(([k]) => k)
            .join('、')}`
        : '';
      out.push(`${key === 'monthlyMaterials' ? '每月报送材料' : '报送材料'}${rule.recipient ? `至${rule.recipient}` : ''}${forms}（${at(rule.line)}）`);
    } else {
      out.push(`${key}（${at(rule.line)}）`);
    }
  }
  return out;
}

function describeRules(model: PlanModel, at: (line?: number) => string): string[] {
  const out: string[] = [];
  const { escalation, assessment } = model.rules;
  if (escalation.ladder.length) {
    out.push(
      `逐级督办 ${escalation.ladder
        .map((r) => `${ACTION_NAMES[r.rung] ?? r.rung}${r.rectificationDeadline ? '（限期整改）' : ''}（${r.line ? at(r.line) : '默认'}）`)
        .join(' → ')}`,
    );
  }
  const complaints = escalation.complaints as RuleData | undefined;
  if (complaints) {
    const sources = (complaints.sources as string[]).map((s) => (s === 'citizen' ? '群众来信来访、举报' : '媒体曝光')).join('、');
    out.push(`${sources}作为紧急任务处理${complaints.action ? '，下发督办函' : ''}（${at(complaints.line)}）`);
  }
  const enterprises = escalation.enterprises as RuleData | undefined;
  if (enterprises) {
    out.push(
      `企业屡不整改：${enterprises.noticeScope ? `在${enterprises.noticeScope}范围通报` : '通报'}${enterprises.interviewPrincipal ? '，约谈主要负责人' : ''}（${at(enterprises.line)}）`,
    );
  }
  const report = escalation.reportToSuperior as RuleData | undefined;
  if (report) out.push(`末级督办抄送上级${model.rules.superior ? `（${model.rules.superior.name}）` : ''}（${at(report.line)}）`);
  const a = assessment;
  if (a.publishResults) out.push(`测评结果通报${a.publishResults.scope ?? ''}（${at(a.publishResults.line)}）`);
  if (a.lastPlace) out.push(`排名末位${ACTION_NAMES[a.lastPlace.action as string] ?? '处理'}（${at(a.lastPlace.line)}）`);
  if (a.consecutiveLastPlace) {
    out.push(
      `连续 ${a.consecutiveLastPlace.times} 次末位${ACTION_NAMES[a.consecutiveLastPlace.action as string] ?? '处理'}${a.consecutiveLastPlace.target ?? ''}（${at(a.consecutiveLastPlace.line)}）`,
    );
  }
  if (a.stillFailing) out.push(`仍整改不力${ACTION_NAMES[a.stillFailing.action as string] ?? '处理'}（${at(a.stillFailing.line)}）`);
  if (a.reportTo) out.push(`测评结果报送${a.reportTo.to}（${at(a.reportTo.line)}）`);
  if (a.performance) out.push(`纳入${a.performance.period === 'yearEnd' ? '年终' : '年度'}绩效考核（${at(a.performance.line)}）`);
  if (a.performanceDeduction) {
    out.push(`${a.performanceDeduction.trigger ? `${a.performanceDeduction.trigger}的，` : ''}扣减绩效得分（${at(a.performanceDeduction.line)}）`);
  }
  return out;
}
