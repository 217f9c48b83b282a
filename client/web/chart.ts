// The line chart of the assessments page: each unit's score across rounds, as numbers for an SVG template.
import type { Assessments } from '../api/read-model.js';

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

export interface Chart {
  width: number;
  height: number;
  left: number;
  top: number;
  plotWidth: number;
  plotHeight: number;
  xTicks: { x: number; label: string }[];
  yTicks: { y: number; label: string }[];
  series: { unitName: string; color: string; dash: string; points: string; dots: { x: number; y: number; score: number; round: string }[] }[];
}

export function chartOf(result: Pick<Assessments, 'rounds'>): Chart | undefined {
  if (result.rounds.length === 0) return undefined;
  const width = 720;
  const left = 48;
  const top = 16;
  const plotWidth = width - left - 16;
  const plotHeight = 240;
  const height = top + plotHeight + 40;
  const scores = result.rounds.flatMap((r) => r.ranking.map((x) => x.score));
  let min = Math.floor(Math.min(...scores) / 5) * 5;
  let max = Math.ceil(Math.max(...scores) / 5) * 5;
  if (max === min) {
    min -= 5;
    max += 5;
  }
  const n = result.rounds.length;
  const x = (i: number) => left + (n === 1 ? plotWidth / 2 : (plotWidth * i) / (n - 1));
  const y = (score: number) => top + plotHeight - ((score - min) / (max - min)) * plotHeight;
  const step = Math.max(Math.round((max - min) / 5 / 5) * 5, 1);
  const yTicks: Chart['yTicks'] = [];
  for (let v = min; v <= max + 1e-9; v += step) yTicks.push({ y: y(v), label: String(Math.round(v * 10) / 10) });
  const unitIds = [...new Set(result.rounds.flatMap((r) => r.ranking.map((x) => x.unitId)))];
  const series = unitIds.map((unitId, i) => {
    const dots = result.rounds.flatMap((round, j) => {
      const entry = round.ranking.find((x) => x.unitId === unitId);
      return entry ? [{ x: x(j), y: y(entry.score), score: entry.score, round: round.label }] : [];
    });
    const unitName = result.rounds.flatMap((r) => r.ranking).find((x) => x.unitId === unitId)?.unitName ?? unitId;
    return {
      unitName,
      color: COLORS[i % COLORS.length],
      dash: i >= COLORS.length ? '6 3' : '',
      points: dots.map((d) => `${d.x.toFixed(1)},${d.y.toFixed(1)}`).join(' '),
      dots,
    };
  });
  return {
    width,
    height,
    left,
    top,
    plotWidth,
    plotHeight,
    xTicks: result.rounds.map((r, i) => ({ x: x(i), label: r.label })),
    yTicks,
    series,
  };
}
