// The refusals of a rectification task's updates, without a server: each check is a pure function
// of the task, the input and the time (workflows/rectification/checks.ts).
import { describe, expect, it } from 'vitest';
import { MAX_REASONS, MAX_REPORTS_PER_DAY, MAX_TEXT_CHARS } from '../../domain/limits.js';
import { MAX_EVIDENCE_FILE_BYTES, MAX_EVIDENCE_FILES, type ExtensionEntry, type TaskState } from '../../domain/task-state.js';
import {
  checkAcknowledge,
  checkEvidence,
  checkExtensionDecision,
  checkExtensionRequest,
  checkProgress,
  checkReassign,
  checkReassignDeadline,
  checkRefusal,
  checkReportsLeft,
  checkVerify,
  checkWithdraw,
  limitAcknowledge,
  limitEvidence,
  limitExtensionDecision,
  limitExtensionRequest,
  limitProgress,
  limitReassign,
  limitRefusal,
  limitVerify,
  limitWithdraw,
  type TaskFacts,
} from '../../workflows/rectification/checks.js';
import type { EvidenceInput } from '../../workflows/messages.js';

const NOW = Date.parse('2026-12-03T02:00:00Z');
const FILE = {
  id: '0b7e1c2a-3d4f-4a5b-8c6d-7e8f9a0b1c2d',
  name: '整改照片.jpg',
  contentType: 'image/jpeg',
  size: 1024,
  sha256: 'a'.repeat(64),
};

function facts(state: Partial<TaskState> = {}, more: Partial<TaskFacts> = {}): TaskFacts {
  return {
    state: {
      campaignId: 'c',
      taskId: 't',
      title: '背街小巷整治',
      status: 'acknowledged',
      leadUnit: 'enforcement',
      rung: 0,
      rungName: '',
      ladder: ['逾期通报', '督办函', '约谈', '追责'],
      deadline: '2026-12-20',
      deadlineAt: '2026-12-20T16:00:00.000Z',
      failedVerifications: 0,
      evidence: [],
      extensions: [],
      calendarWarnings: [],
      notices: [],
      timeline: [],
      ...state,
    },
    units: [{ id: 'enforcement' }, { id: 'utilities' }],
    plan: { extensions: { max: 2 }, onRefusal: 3 },
    ...more,
  };
}
const extension = (status: ExtensionEntry['status'], seq = 1): ExtensionEntry => ({
  seq,
  requestedAt: '2026-12-01T02:00:00Z',
  unitId: 'enforcement',
  reason: '雨季施工',
  requestedDeadline: '2026-12-30',
  status,
});
const type = (verdict: { type: string } | undefined) => verdict?.type;

describe('acknowledgement', () => {
  it('lets the lead unit acknowledge an assigned task', () => {
    expect(checkAcknowledge(facts({ status: 'assigned' }), { unitId: 'enforcement' }, NOW)).toBeUndefined();
  });
  it('refuses a missing, unknown or other unit, in that order', () => {
    const task = facts({ status: 'assigned' });
    expect(checkAcknowledge(task, { unitId: ' ' }, NOW)).toEqual({ message: '缺少单位编号', type: 'EmptyInput' });
    expect(checkAcknowledge(task, { unitId: 'nowhere' }, NOW)).toEqual({ message: '未知单位：nowhere', type: 'UnknownUnit' });
    expect(type(checkAcknowledge(task, { unitId: 'utilities' }, NOW))).toBe('WrongUnit');
  });
  it('accepts any unit id before the units are loaded, but still only the lead unit', () => {
    const task = facts({ status: 'assigned' }, { units: [] });
    expect(type(checkAcknowledge(task, { unitId: 'nowhere' }, NOW))).toBe('WrongUnit');
  });
  it('refuses a task that is not assigned, naming its state', () => {
    expect(checkAcknowledge(facts({ status: 'acknowledged' }), { unitId: 'enforcement' }, NOW)).toEqual({
      message: '任务当前状态为“已签收”，不能签收',
      type: 'InvalidState',
    });
  });
  it('asks the unit before the state', () => {
    expect(type(checkAcknowledge(facts({ status: 'closed' }), { unitId: 'utilities' }, NOW))).toBe('WrongUnit');
  });
});

describe('progress', () => {
  const ok = { unitId: 'enforcement', text: '已清理 12 处' };
  it('takes a report from the lead unit of an active task', () => {
    for (const status of ['assigned', 'acknowledged', 'inProgress'] as const) {
      expect(checkProgress(facts({ status }), ok, NOW)).toBeUndefined();
    }
  });
  it('refuses a task awaiting verification or ended', () => {
    for (const status of ['evidenceSubmitted', 'closed', 'withdrawn', 'scheduled'] as const) {
      expect(type(checkProgress(facts({ status }), ok, NOW))).toBe('InvalidState');
    }
  });
  it('refuses an empty text', () => {
    expect(checkProgress(facts(), { ...ok, text: '  ' }, NOW)).toEqual({ message: '进展内容不能为空', type: 'EmptyInput' });
  });
  it('refuses once the day has its reports, and takes them again the next day', () => {
    const day = { date: '2026-12-03', endsAt: '2026-12-03T16:00:00.000Z', progress: MAX_REPORTS_PER_DAY, evidence: 0 };
    expect(type(checkProgress(facts({ reportsToday: day }), ok, NOW))).toBe('DailyLimit');
    expect(checkProgress(facts({ reportsToday: day }), ok, Date.parse(day.endsAt))).toBeUndefined();
    expect(checkProgress(facts({ reportsToday: { ...day, progress: MAX_REPORTS_PER_DAY - 1 } }), ok, NOW)).toBeUndefined();
  });
});

describe('reports per day', () => {
  const day = { date: '2026-12-03', endsAt: '2026-12-03T16:00:00.000Z', progress: 0, evidence: MAX_REPORTS_PER_DAY };
  it('counts progress and evidence each on its own', () => {
    const state = facts({ reportsToday: day }).state;
    expect(checkReportsLeft(state, 'progress', NOW)).toBeUndefined();
    expect(checkReportsLeft(state, 'evidence', NOW)?.message).toBe(`该任务今日已报送佐证材料 ${MAX_REPORTS_PER_DAY} 次，达到每日上限，请明日再报`);
  });
  it('has no limit before the first report is counted', () => {
    expect(checkReportsLeft(facts().state, 'evidence', NOW)).toBeUndefined();
  });
});

describe('evidence', () => {
  const ok: EvidenceInput = { unitId: 'enforcement', form: 'photo', files: [FILE] };
  const check = (e: Partial<EvidenceInput>, state: Partial<TaskState> = {}) => checkEvidence(facts(state), { ...ok, ...e }, NOW);
  it('takes files or a text in one of the four forms', () => {
    expect(check({})).toBeUndefined();
    expect(check({ files: [], text: '整改报告' , form: 'report' })).toBeUndefined();
    expect(check({}, { status: 'inProgress' })).toBeUndefined();
  });
  it('needs an acknowledged task', () => {
    expect(check({}, { status: 'assigned' })?.message).toBe('任务当前状态为“已交办”，不能报送佐证材料（请先签收）');
  });
  it('refuses an unknown form, and nothing at all', () => {
    expect(type(check({ form: 'video' as never }))).toBe('InvalidInput');
    expect(check({ files: [], text: ' ' })).toEqual({ message: '佐证材料不能为空：请附文件或填写说明', type: 'EmptyInput' });
  });
  it('refuses too many files and duplicates', () => {
    const files = (n: number) => Array.from({ length: n }, (_, i) => ({ ...FILE, id: FILE.id.replace(/...$/, String(i).padStart(3, '0')) }));
    expect(check({ files: files(MAX_EVIDENCE_FILES + 1) })?.message).toBe(`一次最多报送 ${MAX_EVIDENCE_FILES} 个文件`);
    expect(check({ files: files(MAX_EVIDENCE_FILES) })).toBeUndefined();
    expect(check({ files: [FILE, FILE] })?.message).toBe(`佐证材料文件重复：${FILE.name}`);
  });
  it('refuses a file without an upload id, name, type, size or hash', () => {
    expect(check({ files: [{ ...FILE, id: 'x' }] })?.message).toBe('佐证材料文件缺少编号（请先上传文件）');
    expect(check({ files: [{ ...FILE, name: '' }] })?.message).toBe('佐证材料文件缺少文件名');
    expect(check({ files: [{ ...FILE, contentType: '' }] })?.message).toBe(`文件“${FILE.name}”缺少类型`);
    expect(check({ files: [{ ...FILE, size: -1 }] })?.message).toBe(`文件“${FILE.name}”大小无效`);
    expect(check({ files: [{ ...FILE, size: 1.5 }] })?.message).toBe(`文件“${FILE.name}”大小无效`);
    expect(check({ files: [{ ...FILE, sha256: 'A'.repeat(64) }] })?.message).toBe(`文件“${FILE.name}”的 SHA-256 无效`);
  });
  it('refuses a file over MAX_EVIDENCE_FILE_BYTES', () => {
    const mib = MAX_EVIDENCE_FILE_BYTES / 1048576;
    expect(check({ files: [{ ...FILE, size: MAX_EVIDENCE_FILE_BYTES + 1 }] })?.message).toBe(`文件“${FILE.name}”超过单个文件 ${mib} MiB 的上限`);
    expect(check({ files: [{ ...FILE, size: MAX_EVIDENCE_FILE_BYTES }] })).toBeUndefined();
  });
  it('refuses past the day\'s submissions', () => {
    const day = { date: '2026-12-03', endsAt: '2026-12-03T16:00:00.000Z', progress: 0, evidence: MAX_REPORTS_PER_DAY };
    expect(type(check({}, { reportsToday: day }))).toBe('DailyLimit');
  });
});

describe('verification', () => {
  const task = facts({ status: 'evidenceSubmitted' });
  it('passes, or fails with a reason or a comment', () => {
    expect(checkVerify(task, { passed: true }, NOW)).toBeUndefined();
    expect(checkVerify(task, { passed: false, reasons: ['仍有堆放杂物'] }, NOW)).toBeUndefined();
    expect(checkVerify(task, { passed: false, comment: '照片不清楚' }, NOW)).toBeUndefined();
  });
  it('refuses a failure without a reason', () => {
    expect(checkVerify(task, { passed: false, reasons: [' '], comment: '' }, NOW)).toEqual({ message: '核查不通过时必须写明原因', type: 'EmptyInput' });
  });
  it('refuses without a verdict, or with nothing to verify', () => {
    expect(checkVerify(task, { passed: 'yes' as never }, NOW)?.message).toBe('缺少核查结论');
    expect(checkVerify(facts({ status: 'inProgress' }), { passed: true }, NOW)?.message).toBe('任务当前状态为“整改中”，不能核查（尚无待核查的佐证材料）');
  });
});

describe('extension request', () => {
  const ok = { unitId: 'enforcement', reason: '雨季施工', until: '2026-12-30' };
  it('takes a later date or a number of working days', () => {
    expect(checkExtensionRequest(facts(), ok, NOW)).toBeUndefined();
    expect(checkExtensionRequest(facts(), { unitId: 'enforcement', reason: '雨季施工', workingDays: 5 }, NOW)).toBeUndefined();
  });
  it('wants one of the two, not both or neither', () => {
    const message = '请指定延期到的日期或延期的工作日数（二选一）';
    expect(checkExtensionRequest(facts(), { ...ok, workingDays: 5 }, NOW)?.message).toBe(message);
    expect(checkExtensionRequest(facts(), { unitId: 'enforcement', reason: '雨季施工' }, NOW)?.message).toBe(message);
  });
  it('refuses a date that is not later, or not a date', () => {
    expect(checkExtensionRequest(facts(), { ...ok, until: '2026-12-20' }, NOW)?.message).toBe('延期日期 2026-12-20 应晚于当前完成时限 2026-12-20');
    expect(checkExtensionRequest(facts(), { ...ok, until: '2026-13-45' }, NOW)?.message).toBe('延期日期应为 YYYY-MM-DD 格式的日期：2026-13-45');
  });
  it('refuses working days outside 1 to 120', () => {
    for (const workingDays of [0, 121, 2.5]) {
      expect(checkExtensionRequest(facts(), { unitId: 'enforcement', reason: '雨季施工', workingDays }, NOW)?.message).toBe('延期工作日数应为 1 到 120 的整数');
    }
  });
  it('refuses a second pending request, and past the plan\'s limit', () => {
    expect(type(checkExtensionRequest(facts({ extensions: [extension('pending')] }), ok, NOW))).toBe('InvalidState');
    const used = [extension('approved', 1), extension('refused', 2)];
    expect(checkExtensionRequest(facts({ extensions: used }), ok, NOW)).toEqual({ message: '延期申请已达上限（每项任务最多 2 次）', type: 'ExtensionLimit' });
  });
  it('allows none before the plan is loaded', () => {
    expect(type(checkExtensionRequest(facts({}, { plan: undefined }), ok, NOW))).toBe('ExtensionLimit');
  });
  it('wants a reason and the lead unit', () => {
    expect(checkExtensionRequest(facts(), { ...ok, reason: '' }, NOW)?.message).toBe('延期理由不能为空');
    expect(type(checkExtensionRequest(facts(), { ...ok, unitId: 'utilities' }, NOW))).toBe('WrongUnit');
  });
});

describe('extension decision', () => {
  const pending = facts({ extensions: [extension('pending')] });
  it('approves, with or without another date, or refuses', () => {
    expect(checkExtensionDecision(pending, { approved: true }, NOW)).toBeUndefined();
    expect(checkExtensionDecision(pending, { approved: true, until: '2026-12-25' }, NOW)).toBeUndefined();
    expect(checkExtensionDecision(pending, { approved: false }, NOW)).toBeUndefined();
  });
  it('needs a pending request first of all', () => {
    expect(checkExtensionDecision(facts({ status: 'closed' }), { approved: true }, NOW)).toEqual({ message: '没有待审批的延期申请', type: 'InvalidState' });
  });
  it('refuses a date with a refusal, or a date not later', () => {
    expect(checkExtensionDecision(pending, { approved: false, until: '2026-12-25' }, NOW)?.message).toBe('不同意延期时不能指定新日期');
    expect(type(checkExtensionDecision(pending, { approved: true, until: '2026-12-19' }, NOW))).toBe('InvalidInput');
  });
  it('wants a verdict, on an active task', () => {
    expect(checkExtensionDecision(pending, { approved: undefined as never }, NOW)?.type).toBe('EmptyInput');
    const submitted = facts({ status: 'evidenceSubmitted', extensions: [extension('pending')] });
    expect(type(checkExtensionDecision(submitted, { approved: true }, NOW))).toBe('InvalidState');
  });
});

describe('reassignment', () => {
  const ok = { unitId: 'utilities', reason: '职责调整' };
  it('moves the task to another known unit', () => {
    expect(checkReassign(facts(), ok, NOW)).toBeUndefined();
    expect(checkReassign(facts({ status: 'evidenceSubmitted' }), { ...ok, deadline: '2026-12-31' }, NOW)).toBeUndefined();
  });
  it('refuses the same unit, an unknown one, no reason, or an ended task', () => {
    expect(checkReassign(facts(), { ...ok, unitId: 'enforcement' }, NOW)?.message).toBe('单位 enforcement 已是该任务的责任单位');
    expect(type(checkReassign(facts(), { ...ok, unitId: 'nowhere' }, NOW))).toBe('UnknownUnit');
    expect(checkReassign(facts(), { ...ok, reason: '' }, NOW)?.message).toBe('改派理由不能为空');
    expect(type(checkReassign(facts({ status: 'closed' }), ok, NOW))).toBe('InvalidState');
  });
  it('wants a new deadline once the old one has passed', () => {
    const lapsed = facts({ deadlineAt: '2026-12-01T16:00:00.000Z' });
    expect(checkReassign(lapsed, ok, NOW)?.message).toBe('原完成时限已过，改派时请指定新的完成时限');
    expect(checkReassign(lapsed, { ...ok, deadline: '2026-12-10' }, NOW)).toBeUndefined();
  });
  it('refuses a new deadline before yesterday (UTC), leaving the exact instant to the turn', () => {
    expect(checkReassign(facts(), { ...ok, deadline: '2026-12-01' }, NOW)?.message).toBe('新的完成时限 2026-12-01 已过');
    expect(checkReassign(facts(), { ...ok, deadline: '2026-12-02' }, NOW)).toBeUndefined();
    expect(type(checkReassign(facts(), { ...ok, deadline: '12/31/2026' }, NOW))).toBe('InvalidInput');
  });
  it('checks the exact lapse of the new deadline in its turn', () => {
    expect(checkReassignDeadline('2026-12-02', '2026-12-02T16:00:00.000Z', NOW)?.message).toBe('新的完成时限 2026-12-02 已过');
    expect(checkReassignDeadline('2026-12-03', '2026-12-03T16:00:00.000Z', NOW)).toBeUndefined();
    expect(checkReassignDeadline(undefined, undefined, NOW)).toBeUndefined();
  });
});

describe('withdrawal', () => {
  it('withdraws any open task, even one not yet assigned', () => {
    for (const status of ['scheduled', 'assigned', 'evidenceSubmitted'] as const) {
      expect(checkWithdraw(facts({ status }), { reason: '专项调整' }, NOW)).toBeUndefined();
    }
  });
  it('refuses an ended task, and no reason', () => {
    expect(checkWithdraw(facts({ status: 'closed' }), { reason: '专项调整' }, NOW)?.message).toBe('任务当前状态为“已销号”，不能撤销');
    expect(checkWithdraw(facts(), { reason: '' }, NOW)?.message).toBe('撤销理由不能为空');
  });
});

describe('refusal (拒不整改)', () => {
  it('jumps to the refusal rung from below it', () => {
    expect(checkRefusal(facts({ rung: 2 }), { reason: '拒不整改' }, NOW)).toBeUndefined();
  });
  it('refuses at or above the rung, or without one in the plan', () => {
    expect(checkRefusal(facts({ rung: 3, rungName: '约谈' }), { reason: '拒不整改' }, NOW)?.message).toBe('任务已处于“约谈”，不低于拒不整改对应的层级');
    expect(checkRefusal(facts({}, { plan: { extensions: { max: 0 } } }), { reason: '拒不整改' }, NOW)?.message).toBe('该任务的督办阶梯没有拒不整改后的层级');
  });
  it('wants a reason, on an active task', () => {
    expect(type(checkRefusal(facts(), { reason: ' ' }, NOW))).toBe('EmptyInput');
    expect(type(checkRefusal(facts({ status: 'evidenceSubmitted' }), { reason: '拒不整改' }, NOW))).toBe('InvalidState');
  });
});

describe('limits', () => {
  const long = 'x'.repeat(MAX_TEXT_CHARS + 1);
  it('refuses a long name or unit id in every update', () => {
    expect(limitAcknowledge({ unitId: 'enforcement', by: '名'.repeat(41) })?.message).toBe('经办人姓名不能超过 40 个字（现为 41 个字）');
    expect(type(limitAcknowledge({ unitId: 'u'.repeat(65) }))).toBe('TooLong');
    expect(type(limitWithdraw({ reason: '专项调整', by: '名'.repeat(41) }))).toBe('TooLong');
  });
  it('refuses each free text past MAX_TEXT_CHARS, naming it', () => {
    expect(limitProgress({ unitId: 'a', text: long })?.message).toMatch(/^进展内容不能超过/);
    expect(limitEvidence({ unitId: 'a', form: 'report', text: long })?.message).toMatch(/^佐证材料说明/);
    expect(limitExtensionRequest({ unitId: 'a', reason: long })?.message).toMatch(/^延期理由/);
    expect(limitExtensionDecision({ approved: true, comment: long })?.message).toMatch(/^审批意见/);
    expect(limitReassign({ unitId: 'a', reason: long })?.message).toMatch(/^改派理由/);
    expect(limitWithdraw({ reason: long })?.message).toMatch(/^撤销理由/);
    expect(limitRefusal({ reason: long })?.message).toMatch(/^拒不整改的情况/);
    expect(limitVerify({ passed: false, comment: long })?.message).toMatch(/^核查意见/);
  });
  it('counts characters, not UTF-16 units', () => {
    expect(limitProgress({ unitId: 'a', text: '𠀀'.repeat(MAX_TEXT_CHARS) })).toBeUndefined();
  });
  it('refuses too many reasons or a long one', () => {
    expect(limitVerify({ passed: false, reasons: Array(MAX_REASONS + 1).fill('理由') })?.message).toBe(`不通过原因最多 ${MAX_REASONS} 条`);
    expect(limitVerify({ passed: false, reasons: ['好', long] })?.message).toMatch(/^不通过原因不能超过/);
    expect(limitVerify({ passed: false, reasons: Array(MAX_REASONS).fill('理由') })).toBeUndefined();
  });
  it('refuses long file names and types, and ignores files that are not a list', () => {
    expect(limitEvidence({ unitId: 'a', form: 'photo', files: [{ ...FILE, name: 'n'.repeat(121) }] })?.message).toMatch(/^文件名/);
    expect(limitEvidence({ unitId: 'a', form: 'photo', files: [{ ...FILE, contentType: 't'.repeat(121) }] })?.message).toMatch(/^文件类型/);
    expect(limitEvidence({ unitId: 'a', form: 'photo', files: 'x' as never })).toBeUndefined();
  });
  it('ignores fields of another type (the checks refuse those)', () => {
    expect(limitProgress({ unitId: 'a', text: 42 as never })).toBeUndefined();
  });
});
