// Cadences (每周一检查、每月一通报、每季一调度、半年一小结, 调度, 每两月测评, 每月报送), the escalation
// ladder (通报, 督办函/限期整改, 约谈, 追责) and the assessment rules (末位通报批评, 连续两次末位约谈, 绩效).
import type { RuleData, Rules } from './model.js';
import { paragraphs, type PlanDocument, type Section } from './structure.js';
import { excerpt, prose, sentences, trimPunctuation, type Note } from './text.js';

const FREQUENCY: Record<string, string> = {
  周: 'weekly',
  两周: 'biweekly',
  半月: 'halfMonthly',
  旬: 'tenDays',
  月: 'monthly',
  两月: 'bimonthly',
  两个月: 'bimonthly',
  季: 'quarterly',
  季度: 'quarterly',
  半年: 'halfYearly',
  年: 'yearly',
};

export const EVIDENCE_FORMS: Record<string, string> = {
  正式发文: 'document',
  图片资料: 'photo',
  说明报告: 'report',
  数据表格: 'dataTable',
};

export const LADDER_ORDER = ['overdueNotice', 'criticismNotice', 'supervisionLetter', 'parkWideNotice', 'interview', 'accountabilityReferral'];
/** The engine's ladder when a plan names only some rungs (DESIGN: 通报 → 督办函 → 约谈 → 追责). */
export const DEFAULT_RUNGS = ['overdueNotice', 'supervisionLetter', 'interview', 'accountabilityReferral'];

type Action = 'criticismNotice' | 'interview' | 'accountabilityReferral' | 'supervisionLetter' | 'performanceDeduction';

function actionOf(text: string | undefined): Action | undefined {
  if (!text) return undefined;
  if (/通报批评/.test(text)) return 'criticismNotice';
  if (/约谈/.test(text)) return 'interview';
  if (/追究|追责|问责/.test(text)) return 'accountabilityReferral';
  if (/督办/.test(text)) return 'supervisionLetter';
  if (/扣(分|罚|减|除)/.test(text)) return 'performanceDeduction';
  return undefined;
}

const DISPATCH_FREQUENCIES = ['weekly', 'halfMonthly', 'monthly'];
const CADENCE_WORDS = /每(?:周|月|季|半年|年|日|天|半月|两个?月|旬|两周)/;
const RULE_WORDS = /约谈|追责|追究|督办|通报批评|末位|最后一[名位]|倒数第一|限期整改|问责(?!制)|扣分|扣罚/;

export function extractRules(doc: PlanDocument, taskSections: Set<Section>, unplaced: Note[]): Rules {
  const rules: Rules = { cadences: {}, escalation: { ladder: [] }, assessment: {}, manual: [] };
  const cad = rules.cadences;
  const esc = rules.escalation;
  const assess = rules.assessment;
  let forms: RuleData | undefined;

  const setOnce = (target: Record<string, RuleData>, key: string, data: RuleData) => {
    if (!target[key]) target[key] = data;
  };
  const rung = (name: string, line: number, extra: Record<string, unknown> = {}) => {
    const existing = esc.ladder.find((r) => r.rung === name);
    if (existing) Object.assign(existing, Object.fromEntries(Object.entries(extra).filter(([k]) => !(k in existing))));
    else esc.ladder.push({ rung: name, ...extra, line });
  };

  for (const p of paragraphs(doc)) {
    if (taskSections.has(p.section) || p.block?.label) continue;
    // A heading's title states a theme (严格责任追究), not a rule; its paragraph does.
    const text = prose(p.block ? p.text : p.section.body);
    if (!text) continue;
    for (const { text: sentence } of sentences(text)) {
      const line = p.line;
      let cadence = false;
      let rule = false;

      // ---- cadences
      let m = /每周一?次?(检查|督查|巡查|暗访|抽查|督导)/.exec(sentence);
      if (m) {
        setOnce(cad, 'weeklyCheck', { weekday: 1, method: m[1], line });
        cadence = true;
      }
      m = /每月一?次?(检查|督查|巡查|抽查|暗访|督导)/.exec(sentence);
      if (m) {
        setOnce(cad, 'monthlyCheck', { method: m[1], line });
        cadence = true;
      }
      // 每月一抽查，进行结果通报: the check's own bulletin, not a second one.
      const checkBulletin = cad.monthlyCheck?.line === line && !/每月一?次?通报/.test(sentence);
      if (!checkBulletin && (/每月一?次?通报/.test(sentence) || (/每月/.test(sentence) && /通报/.test(sentence) && !/调度/.test(sentence)))) {
        setOnce(cad, 'monthlyBulletin', { line });
        cadence = true;
      }
      if (/每季度?一?次?调度/.test(sentence)) {
        setOnce(cad, 'quarterlyDispatch', { line });
        cadence = true;
      }
      if (/半年一?次?(小结|总结)/.test(sentence)) {
        setOnce(cad, 'halfYearSummary', { line });
        cadence = true;
      }
      if (/(年终|年底|每年)一?次?(总结|小结)/.test(sentence)) {
        setOnce(cad, 'yearEndSummary', { line });
        cadence = true;
      }
      for (const d of sentence.matchAll(/([^，。；、]*?)每(半月|两周|周|月|季度?|旬)一?次?调度/g)) {
        const subject = d[1].replace(/^(实行|坚持|建立|实施|落实|按照|执行|开展|做到|并|要|且|按)+/, '');
        if (!subject) {
          const freq = FREQUENCY[d[2]];
          setOnce(cad, freq === 'quarterly' ? 'quarterlyDispatch' : `${freq}Dispatch`, { line });
          cadence = true;
          continue;
        }
        const dispatch = (cad.dispatch ??= { line }) as RuleData;
        const who = dispatcher(subject);
        // The engine dispatches weekly, half-monthly or monthly; other rhythms are kept aside.
        if (who === 'others' || !DISPATCH_FREQUENCIES.includes(FREQUENCY[d[2]])) {
          const others = ((dispatch.others as unknown[]) ??= []) as { subject: string; frequency: string }[];
          others.push({ subject, frequency: FREQUENCY[d[2]] });
        } else {
          dispatch[who] ??= FREQUENCY[d[2]];
        }
        cadence = true;
      }
      // Assessment rounds (每两月实地测评) every N months; the engine's key is bimonthlyAssessment.
      m = /每(两|二|2)个?月(?:一次|开展|组织|进行)?([^，。；]{0,6}?)(测评|考评|评比|考核|检查|督查)/.exec(sentence);
      const other = m ? null : /每(季度?|月|半年)一?次?([^，。；]{0,4}?)(测评|考评)/.exec(sentence);
      if (m || other) {
        const everyMonths = m ? 2 : ({ 季: 3, 季度: 3, 月: 1, 半年: 6 } as Record<string, number>)[other![1]];
        const found = (m ?? other)!;
        setOnce(cad, 'bimonthlyAssessment', { everyMonths, method: `${found[2]}${found[3]}`, line });
        cadence = true;
      }
      m = /每月[^，。；]{0,12}?(报送|上报|报告|报表)/.exec(sentence);
      if (m) {
        const to = /(?:报送|上报)(?:至|到|给)([^，。；]+)/.exec(sentence)?.[1];
        const day = /每月(\d{1,2})[日号]/.exec(sentence)?.[1];
        setOnce(cad, 'monthlyMaterials', {
          ...(day ? { day: Number(day) } : {}),
          ...(to ? { recipient: trimPunctuation(to) } : {}),
          line,
        });
        cadence = true;
      }
      const named = Object.keys(EVIDENCE_FORMS).filter((f) => sentence.includes(f));
      if (named.length >= 2 && !forms) {
        forms = { forms: named.map((f) => EVIDENCE_FORMS[f]), line };
        cadence = true;
      }
      if (/日常(巡查|检查|督查)/.test(sentence)) {
        setOnce(cad, 'routinePatrol', { line });
        cadence = true;
      }

      // ---- assessment: last place, still failing, results
      if (/最后一[名位]|末位|倒数第一/.test(sentence)) {
        const clauses = sentence.split(/[，；]/);
        clauses.forEach((clause, i) => {
          const next = clauses[i + 1];
          if (/最后一[名位]|末位|倒数第一/.test(clause)) {
            const action = actionOf(clause) ?? actionOf(next);
            const times = /连续(两|二|2|三|3)次/.exec(clause);
            if (times) {
              const target = /约谈([^，。；]*)/.exec(`${clause}，${next ?? ''}`)?.[1];
              setOnce(assess, 'consecutiveLastPlace', {
                times: /三|3/.test(times[1]) ? 3 : 2,
                ...(action ? { action } : {}),
                ...(target ? { target: trimPunctuation(target) } : {}),
                line,
              });
            } else {
              setOnce(assess, 'lastPlace', { ...(action ? { action } : {}), line });
            }
            rule = true;
          }
          if (/仍(然)?[^，。；]{0,8}(不得力|不到位|不整改|拒不整改|未整改)/.test(clause)) {
            const action = actionOf(clause) ?? actionOf(next);
            setOnce(assess, 'stillFailing', { ...(action ? { action } : {}), line });
            rule = true;
          }
        });
      }
      m = /(?:测评|考评|考核)结果(通报|公布|公示)([^，。；]*)/.exec(sentence);
      if (m) {
        setOnce(assess, 'publishResults', { ...(m[2] ? { scope: trimPunctuation(m[2]) } : {}), line });
        rule = true;
      }
      m = /结果[^，。；]{0,10}?报送([^，。；]+)/.exec(sentence);
      if (m) {
        setOnce(assess, 'reportTo', { to: trimPunctuation(m[1]), line });
        rule = true;
      }
      if (/(纳入|计入|列入)[^。；]{0,24}?(绩效|考核)|绩效考核挂钩|与[^。；]{0,12}绩效[^。；]{0,6}挂钩/.test(sentence)) {
        const usedFor = /作为([^。；]*?)的依据/.exec(sentence)?.[1];
        setOnce(assess, 'performance', {
          period: /年终|年底/.test(sentence) ? 'yearEnd' : 'yearly',
          ...(usedFor ? { usedFor: usedFor.split(/[、，]/).map(trimPunctuation).filter(Boolean) } : {}),
          line,
        });
        rule = true;
      }
      m = /扣(?:罚|除|减)?[^，。；]{0,12}?(?:绩效|得分|分)/.exec(sentence);
      if (m) {
        const trigger = /被([^，。；]*?)通报/.exec(sentence);
        setOnce(assess, 'performanceDeduction', {
          ...(trigger ? { trigger: `被${trigger[1]}通报` } : {}),
          line,
        });
        rule = true;
      }

      // ---- escalation
      if (/企业/.test(sentence) && /约谈|通报/.test(sentence) && /拒不整改|屡不整改|不配合/.test(sentence)) {
        const scope = /在?(全[^，。；]{0,4}?)范围/.exec(sentence)?.[1];
        esc.enterprises ??= {
          ...(scope ? { noticeScope: scope } : {}),
          interviewPrincipal: /约谈[^，。；]*负责人/.test(sentence),
          line,
        };
        rule = true;
      } else if (!/最后一[名位]|末位|倒数第一/.test(sentence)) {
        if (/(?<!被)(下发|下达|发出|发放|印发)《?督办(函|单|通知)/.test(sentence)) {
          rung('supervisionLetter', line, { rectificationDeadline: /限期整改/.test(sentence) });
          rule = true;
        }
        if (/约谈/.test(sentence)) {
          const target = /约谈([^，。；]*)/.exec(sentence)?.[1];
          rung('interview', line, target ? { target: trimPunctuation(target) } : {});
          rule = true;
        }
        if (/追究[^，。；]{0,10}?责任|追责|问责(?!制)|责任追究/.test(sentence)) {
          rung('accountabilityReferral', line);
          rule = true;
        }
        if (/通报批评/.test(sentence)) {
          rung('criticismNotice', line);
          rule = true;
        }
        if (/(逾期|未按(期|时)|超期|拖延)[^。]*通报/.test(sentence)) {
          rung('overdueNotice', line);
          rule = true;
        }
        if (/报告[^。；]*建议[^。；]*处罚/.test(sentence)) {
          const to = /向([^，。；]{2,20}?)报告[^。；]*建议/.exec(sentence)?.[1];
          esc.reportToSuperior ??= { ...(to ? { to: trimPunctuation(to) } : {}), line };
          rule = true;
        }
      }
      const citizen = /来信|来电|来访|举报|投诉|市民|群众/.test(sentence);
      const media = /媒体|曝光|报道/.test(sentence);
      const urgent = /立即|马上|迅速|限期|第一时间|及时(处理|处置|办理|解决|回应|回复)/.test(sentence);
      if ((citizen || media) && /来信|来电|来访|举报|投诉|曝光/.test(sentence) && urgent) {
        const complaints = (esc.complaints ??= { sources: [], line }) as RuleData & { sources: string[]; lines?: number[] };
        for (const [on, source] of [
          [citizen, 'citizen'],
          [media, 'media'],
        ] as const) {
          if (on && !complaints.sources.includes(source)) complaints.sources.push(source);
        }
        complaints.urgent = true;
        if (/督办/.test(sentence)) complaints.action = 'supervisionLetter';
        if (complaints.line !== line) complaints.lines = [...new Set([...(complaints.lines ?? [complaints.line]), line])];
        rule = true;
      }

      if (!cadence && CADENCE_WORDS.test(sentence) && !rule) {
        unplaced.push({ line, message: `未识别的工作节奏：「${excerpt(sentence, 40)}」` });
      } else if (!rule && !cadence && RULE_WORDS.test(sentence)) {
        unplaced.push({ line, message: `未识别的督办或考核规则：「${excerpt(sentence, 40)}」` });
      }
    }
  }

  if (forms) {
    if (cad.monthlyMaterials) {
      cad.monthlyMaterials.forms = forms.forms;
      if (forms.line !== cad.monthlyMaterials.line) cad.monthlyMaterials.formsLine = forms.line;
    } else {
      cad.materials = forms;
    }
  }
  // A plan that speaks of some rungs keeps the rest of the default ladder (marked as such: no line).
  if (esc.ladder.length > 0 || Object.keys(esc).length > 1) {
    for (const rung of DEFAULT_RUNGS) {
      if (!esc.ladder.some((r) => r.rung === rung)) esc.ladder.push({ rung } as RuleData & { rung: string });
    }
  }
  esc.ladder.sort((a, b) => LADDER_ORDER.indexOf(a.rung) - LADDER_ORDER.indexOf(b.rung));
  // The line last, as in every other rule.
  for (const rule of [...Object.values(cad), ...Object.values(assess), ...Object.values(esc).filter((v) => !Array.isArray(v))]) {
    const r = rule as Record<string, unknown>;
    const { line, lines } = r;
    delete r.line;
    delete r.lines;
    r.line = line;
    if (lines) r.lines = lines;
  }
  return rules;
}

/** Who dispatches: the office (创建办), the deputy leaders (分管领导), or the main leaders (主要领导). */
function dispatcher(subject: string): 'office' | 'deputies' | 'leaders' | 'others' {
  if (/办公室|创建办|创城办|创文办|办$/.test(subject)) return 'office';
  if (/分管领导|副组长|副职|副处级|副县级|副主任|包保领导|副书记/.test(subject)) return 'deputies';
  if (/主要领导|组长|书记|一把手|主任|主要负责/.test(subject)) return 'leaders';
  return 'others';
}
