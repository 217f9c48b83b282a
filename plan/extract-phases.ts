// Phases (阶段) with their date ranges: 第一阶段：规划部署，启动阶段（2015年1月―2015年3月）。
import { findDateRanges } from './dates.js';
import type { PhaseDraft } from './model.js';
import type { PlanDocument, Section } from './structure.js';
import { prose } from './text.js';

const STEPS_HEADING = /步骤|阶段|进度|时间安排|实施安排|工作安排|推进安排|方法步骤/;

export function extractPhases(doc: PlanDocument, year: number): PhaseDraft[] {
  const phases: PhaseDraft[] = [];
  for (const section of doc.sections) {
    if (!isPhase(section)) continue;
    const heading = prose(`${section.title}。${section.body}`);
    const firstSentence = heading.split('。')[0] + '。' + (heading.split('。')[1] ?? '');
    const range = findDateRanges(firstSentence, year)[0];
    if (!range) continue;
    phases.push({
      name: phaseName(section, range.text),
      start: range.start,
      end: range.end,
      line: section.line,
      text: range.text,
    });
  }
  return phases;
}

function isPhase(section: Section): boolean {
  if (section.marker?.startsWith('stage:阶段')) return true;
  if (/阶段/.test(section.title)) return true;
  return !!section.parent?.marker && STEPS_HEADING.test(section.parent.title);
}

/** 规划部署，启动阶段（2015年1月―2015年3月） → 规划部署启动 */
function phaseName(section: Section, dateText: string): string {
  let name = prose(section.title)
    .replace(dateText, '')
    .replace(/（[^（）]*）|\([^()]*\)/g, '')
    .replace(/^第.{1,3}阶段[：:，、]?/, '')
    .replace(/[，、：；\s]/g, '')
    .replace(/阶段$/, '')
    .replace(/[。]$/, '');
  if (!name) name = section.marker?.startsWith('stage:') ? `第${section.ordinal}阶段` : section.markerText;
  return name;
}
