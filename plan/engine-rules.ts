// The rules read from a plan, fitted to what the engine runs: every cadence and rule either takes
// the definition's own shape (and runs as the plan states) or moves to `manual` (不自动执行) with its
// line and the reason. Where the plan states rules that need a rhythm it does not name, the rhythm
// is proposed, marked `proposed: true`, for the administrator to keep or delete; so is the weekly
// check when the plan names none. Nothing runs that the definition does not list.
import { LAST_PLACE_ACTIONS, ROUND_RULES } from '../domain/assessment-rules.js';
import { FREQUENCIES } from '../domain/cadences.js';
import type { RuleData, Rules } from './model.js';

/** A rhythm read from a plan, in words: 每周, 每半月, 每旬 … */
export const FREQUENCY_NAMES: Record<string, string> = {
  weekly: '每周',
  biweekly: '每两周',
  halfMonthly: '每半月',
  tenDays: '每旬',
  monthly: '每月',
  bimonthly: '每两月',
  quarterly: '每季',
  halfYearly: '每半年',
  yearly: '每年',
};
const ACTION_WORDS: Record<string, string> = {
  supervisionLetter: '下发督办函',
  performanceDeduction: '扣减绩效',
};
const LAST_PLACE_RULES: Record<string, string> = {
  lastPlace: '排名末位',
  consecutiveLastPlace: '连续末位',
  stillFailing: '仍整改不力',
};

/** Fits `rules` in place; what cannot run lands in `rules.manual`. */
export function fitRules(rules: Rules): void {
  const { cadences: cad, escalation: esc, assessment } = rules;
  const manual = rules.manual;

  // 每周一调度 with no subject: the office's dispatch; other rhythms the engine has no timer for.
  for (const key of Object.keys(cad)) {
    const m = /^(\w+)Dispatch$/.exec(key);
    if (!m || key === 'quarterlyDispatch') continue;
    const rule = cad[key];
    if ((FREQUENCIES as readonly string[]).includes(m[1])) {
      const dispatch = (cad.dispatch ??= { line: rule.line }) as RuleData;
      dispatch.office ??= m[1];
    } else {
      manual.push({ rule: `${FREQUENCY_NAMES[m[1]] ?? m[1]}一调度`, line: rule.line, reason: '调度只能每周、每半月或每月一次' });
    }
    delete cad[key];
  }
  const dispatch = cad.dispatch;
  if (dispatch) {
    for (const other of (dispatch.others as { subject: string; frequency: string }[] | undefined) ?? []) {
      manual.push({ rule: `${other.subject}${FREQUENCY_NAMES[other.frequency] ?? ''}调度`, line: dispatch.line, reason: '调度对象不是创建办、分管领导或主要领导，或周期不是每周、每半月、每月' });
    }
    delete dispatch.others;
    if (!dispatch.office && !dispatch.deputies && !dispatch.leaders) delete cad.dispatch;
  }
  const materials = cad.monthlyMaterials;
  if (materials?.formsLine) {
    materials.lines = [materials.line, materials.formsLine as number];
    delete materials.formsLine;
  }
  if (cad.materials) {
    manual.push({ rule: '报送材料', line: cad.materials.line, reason: '方案写了材料形式，未写报送周期；需要每月报送的，请添加 cadences.monthlyMaterials' });
    delete cad.materials;
  }

  // 向上级报告并建议处罚: the ladder's last rung is copied to the superior body; which punishment to
  // propose stays with the office.
  const report = esc.reportToSuperior as RuleData | undefined;
  if (report) {
    rules.superior = { name: report.to ? String(report.to) : '待填写', line: report.line };
    delete report.to;
    manual.push({ rule: '建议上级给予相应处罚', line: report.line, reason: '末级督办抄送上级；建议何种处罚需由创建办研判' });
  }
  if (esc.complaints) delete (esc.complaints as RuleData).urgent;

  for (const [key, name] of Object.entries(LAST_PLACE_RULES)) {
    const rule = assessment[key];
    if (!rule || (LAST_PLACE_ACTIONS as readonly string[]).includes(rule.action as string)) continue;
    const action = rule.action ? ACTION_WORDS[rule.action as string] ?? String(rule.action) : undefined;
    manual.push({ rule: `${name}${action ? `：${action}` : ''}`, line: rule.line, reason: action ? '测评后果只能是通报批评、约谈或追责' : '方案未写明如何处理' });
    delete assessment[key];
  }
  if (assessment.reportTo) rules.superior ??= { name: String(assessment.reportTo.to), line: assessment.reportTo.line };

  if (ROUND_RULES.some((k) => assessment[k]) && !cad.bimonthlyAssessment) {
    cad.bimonthlyAssessment = { everyMonths: 2, proposed: true } as unknown as RuleData;
  }
  if (!cad.weeklyCheck) cad.weeklyCheck = { weekday: 1, proposed: true } as unknown as RuleData;
}
