// Measurable indicators: 亮灯率≥96%, 生活垃圾无害化处理率大于95%, 群众满意度调查>80%, 比例10%, 5个以上.
import type { IndicatorDraft } from './model.js';
import { HAN, prose } from './text.js';

type Operator = NonNullable<IndicatorDraft['operator']>;

const SYMBOLS: Record<string, Operator> = { '≥': '>=', '>=': '>=', '>': '>', '≤': '<=', '<=': '<=', '<': '<', '=': '=' };
// Negated words first: 不超过 is not 超过.
const WORDS: [RegExp, Operator][] = [
  [/(小于等于|小于或等于|不超过|不高于|不多于|不大于)$/, '<='],
  [/(大于等于|大于或等于|不低于|不少于|不小于|达到|达|在)$/, '>='],
  [/(大于|高于|超过|多于)$/, '>'],
  [/(小于|低于|少于)$/, '<'],
];
const UNITS = '%|‰|平方米|公里|公顷|千米|米|个|次|人|天|小时|分钟|家|处|所|座|辆|场';
const VALUE = new RegExp(`(≥|≤|>=|<=|>|<|=)? ?(\\d+(?:\\.\\d+)?) ?(${UNITS})(及以上|以上|以下|以内)?`, 'g');
const METRIC_TAIL = new RegExp(`[${HAN}A-Za-z“”"·]{0,24}$`);
const LEADING = /^(确保|实现|保持|做到|力争|其中|使|让|要|并|且|均|全部|总体|基本|平均|达到)+/;

/** Finds indicators in a paragraph. Bare numbers count only with %/‰ or a comparison. */
export function findIndicators(text: string, line: number): IndicatorDraft[] {
  const t = prose(text).replace(/《[^》]*》/g, (m) => ' '.repeat(m.length));
  const out: IndicatorDraft[] = [];
  for (const m of t.matchAll(VALUE)) {
    const [whole, symbol, number, unit, suffix] = m;
    const index = m.index ?? 0;
    const before = t.slice(0, index);
    let metric = METRIC_TAIL.exec(before)?.[0] ?? '';
    let operator: Operator | undefined = symbol ? SYMBOLS[symbol] : undefined;
    let word = '';
    if (!operator) {
      for (const [re, op] of WORDS) {
        const w = re.exec(metric);
        if (w) {
          operator = op;
          word = w[0];
          metric = metric.slice(0, -w[0].length);
          break;
        }
      }
    }
    if (!operator && suffix) operator = /以上/.test(suffix) ? '>=' : '<=';
    if (!operator && unit !== '%' && unit !== '‰') continue;
    // 95周年, 〔2021〕, 5个重点: not measurements
    if (/^[年月日号周]/.test(t.slice(index + whole.length))) continue;
    metric = metric.replace(LEADING, '').replace(/^[“”"]+/, '');
    const written = `${metric}${word}${whole}`;
    out.push({
      text: written,
      metric,
      operator: operator ?? '>=',
      operatorDefaulted: !operator,
      value: Number(number),
      unit,
      line,
    });
  }
  return out;
}
