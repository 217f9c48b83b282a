// Any plan the office has: UTF-8, GBK/GB18030, Big5, UTF-16, a Word .docx; Simplified or Traditional; scraped noise.
// And input that is no plan at all is refused with what and where.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { strToU8, zipSync } from 'fflate';
import iconv from 'iconv-lite';
import { beforeAll, describe, expect, it } from 'vitest';
import { importPlan, PlanInputError, type PlanImport } from '../../plan/index.js';
import { definitionOf, definitionProblems, havePlans, leaderRoles, makeDocx, plansDir, taskUnits, type Def } from './support.js';

const fixture = (name: string) => readFile(path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures', name));

describe('a plan in Simplified characters, written in conventions the seed plans do not use', () => {
  let text: string;
  let result: PlanImport;
  let def: Def;
  beforeAll(async () => {
    text = (await fixture('donghu-2022.txt')).toString('utf8');
    result = await importPlan(Buffer.from(text), 'donghu-2022.txt');
    def = definitionOf(result);
  });

  it('passes the schema except for placeholder e-mail addresses', () => {
    expect(result.problems).toEqual([]);
    expect(definitionProblems(result).others).toEqual([]);
    expect(result.model.converted).toBe(false);
  });

  it('reads the title inside 关于印发《…》的通知, the document number and the signature', () => {
    expect(def.title).toBe('东湖区2022年创建全国文明城市工作实施方案');
    // The plan's own signature names who issues it.
    expect(def.source?.issuingBody).toBe('东湖区创建全国文明城市工作领导小组');
    expect(result.model.source.documentNumber).toEqual({ text: '东湖创城〔2022〕1号', line: 2 });
    expect(def.office.documentPrefix).toBe('东湖创城');
    expect(result.model.source.issueDate).toEqual({ date: '2022-03-01', line: 44 }); // 二〇二二年三月一日
    expect(def.source?.references).toEqual(['《全国文明城市测评体系（2021年版）》']);
  });

  it('reads leaders with the posts written beside their names', () => {
    expect(def.leaders.map((l) => [l.role, l.name, l.title])).toEqual([
      ['groupLeader', '张伟', '区委书记'],
      ['executiveDeputy', '李明', '区长'],
      ['deputyLeader', '王芳', undefined],
      ['deputyLeader', '赵强', undefined],
    ]);
    expect(def.office.director?.name).toBe('王芳');
    expect(result.model.office.location?.text).toBe('区委宣传部');
  });

  it('reads areas, and tasks with labels in brackets, on one line, and after the last sub-item', () => {
    expect(def.areas?.map((a) => a.name)).toEqual(['东片区', '西片区']);
    expect(taskUnits(def)).toEqual([
      ['开展背街小巷整治', '区城管局', ['区住建局', '城东街道', '城西街道']],
      ['开展农贸市场整治', '区市场监管局', ['区城管局']],
      ['交通秩序整治', '区公安分局交警大队', ['区交通运输局']],
    ]);
    expect(def.tasks[0].description).toBe('清理乱堆乱放，修复破损路面。');
    expect(def.tasks[2].description).toBe('1.整治乱停乱放。2.整治闯红灯行为。');
    // 责任领导 of a task answers for its lead unit.
    const lead = def.units.find((u) => u.id === def.tasks[1].leadUnit);
    expect(lead?.responsibleLeader).toBe(def.leaders.find((l) => l.name === '王芳')?.id);
  });

  it('reads deadlines from labels and from the text; 长期坚持 runs to the end', () => {
    expect(def.tasks.map((t) => [t.start, t.deadline])).toEqual([
      ['2022-03-01', '2022-06-30'],
      ['2022-03-01', '2022-08-31'],
      ['2022-03-01', '2022-12-31'],
    ]);
    expect(result.yaml).toContain('deadline: 2022-06-30 # 取自第26行「完成时限：2022年6月底前」');
  });

  it('reads phases with day and month ranges', () => {
    expect(def.phases).toEqual([
      { name: '动员部署', start: '2022-03-01', end: '2022-03-31' },
      { name: '集中整治', start: '2022-04-01', end: '2022-10-31' },
      { name: '总结验收', start: '2022-11-01', end: '2022-12-31' },
    ]);
  });

  it('reads cadences, escalation, assessment and indicators', () => {
    expect(def.cadences).toEqual({
      weeklyCheck: { weekday: 1, method: '督查', line: 40 },
      monthlyBulletin: { line: 40 },
      monthlyMaterials: { day: 15, line: 41 },
      // The plan states a last-place rule and no rounds: rounds every two months are proposed.
      bimonthlyAssessment: { everyMonths: 2, proposed: true },
    });
    expect(def.escalation?.ladder).toEqual([
      { rung: 'overdueNotice' },
      { rung: 'supervisionLetter', rectificationDeadline: true, line: 40 },
      { rung: 'interview' },
      { rung: 'accountabilityReferral' },
    ]);
    expect(def.assessment).toEqual({
      consecutiveLastPlace: { times: 2, action: 'interview', target: '主要负责人', line: 40 },
      performance: { period: 'yearEnd', line: 41 },
    });
    expect(def.indicators?.map((i) => [i.metric, i.operator, i.value])).toEqual([
      ['全区主次干道亮灯率', '>=', 98],
      ['群众满意度', '>=', 90],
    ]);
  });

  it('reads the same plan from GBK, UTF-16 and a Word document', async () => {
    const gbk = await importPlan(iconv.encode(text, 'gbk'), 'donghu-2022.txt');
    expect(gbk.model.encoding).toBe('gb18030');
    expect(definitionOf(gbk)).toEqual(def);

    const utf16 = await importPlan(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]), 'donghu-2022.txt');
    expect(utf16.model.encoding).toBe('utf-16le');
    expect(definitionOf(utf16)).toEqual(def);

    const docx = await importPlan(makeDocx(text), 'donghu-2022.docx');
    expect(docx.model.encoding).toBe('docx');
    expect(docx.model.lineUnit).toBe('段');
    const fromWord = definitionOf(docx);
    expect(taskUnits(fromWord)).toEqual(taskUnits(def));
    expect(leaderRoles(fromWord)).toEqual(leaderRoles(def));
    expect(fromWord.phases).toEqual(def.phases);
    expect(docx.yaml).toContain('段');
  });
});

describe('a county plan with a 指挥部, posts given before names, and responsibility said in words', () => {
  let result: PlanImport;
  let def: Def;
  beforeAll(async () => {
    result = await importPlan(await fixture('qingshan-2023.txt'), 'qingshan-2023.txt');
    def = definitionOf(result);
  });

  it('passes the schema except for placeholder e-mail addresses', () => {
    expect(result.problems).toEqual([]);
    expect(definitionProblems(result).others).toEqual([]);
  });

  it('joins the posts of 由县委书记任指挥长 with the names listed after', () => {
    expect(def.leaders.map((l) => [l.role, l.name, l.title])).toEqual([
      ['groupLeader', '陈建华', '县委书记'],
      ['executiveDeputy', '刘明', '县委副书记、县长'],
      ['deputyLeader', '黄海', '县委常委、宣传部长'],
    ]);
    expect(def.office.name).toBe('青山县创建省级文明城市工作指挥部办公室');
    expect(def.office.director?.name).toBe('黄海');
  });

  it('reads 由…牵头，…配合 and a 责任分工 sub-heading as the task’s units', () => {
    expect(taskUnits(def)).toEqual([
      ['集贸市场整治', '县市场监管局', ['县城管局', '各乡镇']],
      ['背街小巷改造', '县住建局', ['城关镇']],
      ['志愿服务', '县文明办', ['团县委']],
    ]);
    expect(def.tasks[0].description).toBe('规范摊位，清理占道。2023年6月底前完成。');
    expect(def.tasks[0].deadline).toBe('2023-06-30');
    expect(def.tasks[1].indicators).toEqual(['路面硬化率达到100%']);
    expect(result.unplaced).toEqual([]);
  });

  it('reads phases without years in the plan’s year, and dispatch without a subject', () => {
    expect(def.phases?.map((p) => [p.name, p.start, p.end])).toEqual([
      ['动员部署', '2023-03-01', '2023-03-31'],
      ['集中攻坚', '2023-04-01', '2023-09-30'],
      ['巩固提升', '2023-10-01', '2023-12-31'],
    ]);
    // 每周一调度 with no subject is the office's; the rounds the last-place rule needs are proposed.
    expect(def.cadences).toEqual({
      monthlyBulletin: { line: 25 },
      dispatch: { line: 25, office: 'weekly' },
      bimonthlyAssessment: { everyMonths: 2, proposed: true },
      weeklyCheck: { weekday: 1, proposed: true },
    });
    expect(def.assessment).toEqual({ consecutiveLastPlace: { times: 2, action: 'criticismNotice', line: 25 } });
    expect(def.escalation?.ladder).toEqual([
      { rung: 'overdueNotice' },
      { rung: 'supervisionLetter' },
      { rung: 'interview' },
      { rung: 'accountabilityReferral', line: 25 },
    ]);
  });
});

describe('a Word document with a task table', () => {
  it('reads each row as a task with its units and deadline', async () => {
    const docx = makeDocx([
      '西湖区2022年创建文明城市实施方案',
      '一、任务分解',
      [
        [['序号'], ['工作任务'], ['牵头单位'], ['配合单位'], ['完成时限']],
        [['1'], ['背街小巷整治'], ['区城管局'], ['区住建局', '各街道'], ['2022年6月底']],
        [['2'], ['农贸市场整治'], ['区市场监管局'], ['区城管局'], ['2022年9月30日']],
      ],
      '二、工作要求',
      '每月一通报。',
    ]);
    const result = await importPlan(docx, '西湖区方案.docx');
    const def = definitionOf(result);
    expect(result.problems).toEqual([]);
    expect(taskUnits(def)).toEqual([
      ['背街小巷整治', '区城管局', ['区住建局', '各街道']],
      ['农贸市场整治', '区市场监管局', ['区城管局']],
    ]);
    expect(def.tasks.map((t) => t.deadline)).toEqual(['2022-06-30', '2022-09-30']);
    expect(def.id).toBe('xihu-2022'); // a Chinese file name gives an id from the issuing body
    // Table rows are expanded into lines; the weekly check the plan does not name is proposed.
    expect(def.cadences).toEqual({ monthlyBulletin: { line: 12 }, weeklyCheck: { weekday: 1, proposed: true } });
  });
});

describe('more label conventions', () => {
  it('reads contacts, dotted date ranges, bullets and colon-less role lines, and lists stray labels', async () => {
    const text = [
      '南山区2024年创建文明城市实施方案',
      '一、重点任务',
      '● 1.开展占道经营整治。规范摊点。',
      '责任单位：区城管局',
      '联系人：周敏，电话：0755-12345678',
      '完成时限：2024.3-2024.6',
      '2.加强宣传。由区委宣传部牵头，各街道配合。',
      '二、工作要求',
      '完成时限：2024年12月31日',
      '组 长 张三',
    ].join('\n');
    const result = await importPlan(Buffer.from(text), 'nanshan-2024.txt');
    const def = definitionOf(result);
    expect(result.problems).toEqual([]);
    expect(taskUnits(def)).toEqual([
      ['开展占道经营整治', '区城管局', []],
      ['加强宣传', '区委宣传部', ['各街道']],
    ]);
    expect([def.tasks[0].start, def.tasks[0].deadline]).toEqual(['2024-03-01', '2024-06-30']);
    expect(def.tasks[1].description).toBe('');
    expect(def.units[0]).toMatchObject({ name: '区城管局', contact: { name: '周敏' } });
    expect(leaderRoles(def)).toEqual([['groupLeader', '张三']]);
    expect(result.unplaced).toEqual([{ line: 9, message: '「完成时限：2024年12月31日」没有归入任何任务' }]);
  });
});

describe('scraping noise', () => {
  const noisy = [
    '  一、組織領導',
    '  組　長:張　三',
    '  副 組 長:李四  王五',
    '',
    '  二、重點任務',
    '  1．開展背街小巷整治行動。清理亂堆亂放的.垃圾,修復路面�。',
    '  責任單位:區城管局',
    '  配合單位:區住建局,,各社區',
    '  2、開展農貿市場整治行動。規範經營的\'秩序，確保滿意度≥９０％。',
    '  牽頭單位：區市場監管局',
    '  配合單位：區城管局等部門',
  ].join('\r\n');

  it('does not break the import', async () => {
    const result = await importPlan(Buffer.from(noisy), 'noisy.txt');
    const def = definitionOf(result);
    expect(result.problems).toEqual([]);
    expect(result.model.converted).toBe(true);
    expect(leaderRoles(def)).toEqual([
      ['groupLeader', '张三'],
      ['deputyLeader', '李四'],
      ['deputyLeader', '王五'],
    ]);
    expect(taskUnits(def)).toEqual([
      ['开展背街小巷整治行动', '区城管局', ['区住建局', '各社区']],
      ['开展农贸市场整治行动', '区市场监管局', ['区城管局']],
    ]);
    expect(def.tasks[0].description).toBe('清理乱堆乱放的垃圾，修复路面。');
    expect(def.tasks[1].description).toBe('规范经营的秩序，确保满意度≥90%。');
    expect(def.tasks[1].indicators).toEqual(['满意度≥90%']);
    expect(result.warnings).toContainEqual({ line: 6, message: '有残缺字符（�），已删除' });
  });
});

describe.skipIf(!havePlans)('the real plans in legacy encodings', () => {
  it('reads 2-beihai-2021 (Traditional) from GBK as from UTF-8', async () => {
    const text = await readFile(path.join(plansDir, '2-beihai-2021.txt'), 'utf8');
    const utf8 = definitionOf(await importPlan(Buffer.from(text), '2-beihai-2021.txt'));
    const gbk = await importPlan(iconv.encode(text, 'gbk'), '2-beihai-2021.txt');
    expect(gbk.model.encoding).toBe('gb18030');
    expect(definitionOf(gbk)).toEqual(utf8);
  });

  it('reads 2-beihai-2021 flattened into one line (a page whose line breaks were lost)', async () => {
    const text = await readFile(path.join(plansDir, '2-beihai-2021.txt'), 'utf8');
    const utf8 = definitionOf(await importPlan(Buffer.from(text), '2-beihai-2021.txt'));
    const flat = text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .join(' ');
    const result = await importPlan(Buffer.from(flat), '2-beihai-2021.txt');
    expect(result.warnings.map((w) => w.message)).toContain('方案几乎没有换行，已在标题和标注前断行后再读取');
    expect(taskUnits(definitionOf(result))).toEqual(taskUnits(utf8));
    expect(Object.keys(definitionOf(result).cadences ?? {})).toEqual(Object.keys(utf8.cadences ?? {}));
  });

  it('reads 3-linxi-2016 from Big5 as from UTF-8', async () => {
    const text = await readFile(path.join(plansDir, '3-linxi-2016.txt'), 'utf8');
    const utf8 = definitionOf(await importPlan(Buffer.from(text), '3-linxi-2016.txt'));
    const big5 = await importPlan(iconv.encode(text, 'big5'), '3-linxi-2016.txt');
    expect(big5.model.encoding).toBe('big5');
    expect(definitionOf(big5)).toEqual(utf8);
  });
});

describe('input that is not a plan', () => {
  const refuse = async (input: Buffer, name: string) => {
    const error = await importPlan(input, name).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PlanInputError);
    return (error as Error).message;
  };

  it('empty or blank', async () => {
    expect(await refuse(Buffer.alloc(0), 'empty.txt')).toBe('empty.txt：输入为空（0 字节）');
    expect(await refuse(Buffer.from(' \r\n\u3000\n', 'utf8'), 'blank.txt')).toBe('blank.txt：输入只有空白，没有内容');
  });

  it('binary, saying at which byte', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]);
    expect(await refuse(png, 'image.png')).toBe(
      'image.png：第 9 字节是空字符（0x00），这是二进制文件而不是文本；请提供 .txt、.docx、.xlsx 或带文字层的 .pdf 格式的实施方案',
    );
  });

  it('undecodable, saying in which line', async () => {
    const bytes = Buffer.concat([Buffer.from('一、组织领导\n组长：张三\n'), Buffer.alloc(40, 0xff), Buffer.from('\n')]);
    expect(await refuse(bytes, 'broken.txt')).toMatch(/^broken\.txt：无法识别文字编码（试过 UTF-8、.*），按 UTF-8 读到第 3 行出现 \d+ 处无法解码的字节/);
  });

  it('formats that are not supported', async () => {
    expect(await refuse(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]), 'old.doc')).toMatch(/旧版 Word（\.doc）/);
    expect(await refuse(Buffer.from('%PDF-1.7\n'), 'plan.pdf')).toMatch(/^plan\.pdf：PDF 文件已损坏或格式无法识别/);
    expect(await refuse(Buffer.from(zipSync({ 'a.txt': strToU8('x') })), 'a.zip')).toMatch(/不是可读取的 Word 文档/);
  });

  it('text without any plan structure', async () => {
    expect(await refuse(Buffer.from('今天天气很好。\n我们去公园散步。\n'), 'diary.txt')).toMatch(/没有找到实施方案的结构/);
  });
});
