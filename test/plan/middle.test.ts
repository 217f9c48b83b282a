// The middle of plans: the task sections as offices write them (labels spelt differently, bullets, lists run
// into one line, units as the subjects of sentences, one line naming who does a whole list).
import { describe, expect, it } from 'vitest';
import { readPlan } from '../../plan/index.js';
import { UNASSIGNED_UNIT_NAME } from '../../plan/units.js';

/** The tasks of a plan text as [title, lead unit, cooperating units]. */
function tasksOf(text: string): [string, string, string[]][] {
  const model = readPlan(text, 'plan.txt');
  return model.tasks.map((t) => [t.title, t.lead.name, t.cooperating.map((u) => u.name)]);
}

describe('labels of the task sections', () => {
  it('reads 落实单位 on the line after an item', () => {
    const tasks = tasksOf(['三、主要任务', '1、建立社区文化组织，培育社区文化。', '落实单位：县文体局、各社区', '2、开展便民服务。', '落实单位：县民政局'].join('\n'));
    expect(tasks).toEqual([
      ['建立社区文化组织，培育社区文化', '县文体局', ['各社区']],
      ['开展便民服务', '县民政局', []],
    ]);
  });

  it('reads the short words 牵头：, 配合：, 责任： in brackets and on their own lines', () => {
    const tasks = tasksOf(
      [
        '二、重点任务',
        '（一）整治背街小巷。清理卫生死角（牵头：区城管局；配合：各街道）。',
        '（二）规范农贸市场。',
        '责任：区市场监管局',
      ].join('\n'),
    );
    expect(tasks).toEqual([
      ['整治背街小巷', '区城管局', ['各街道']],
      ['规范农贸市场', '区市场监管局', []],
    ]);
  });
});

describe('headings of tasks', () => {
  it('reads the items under 任务分工 as actions, those under 工作要求 not', () => {
    const tasks = tasksOf(['一、工作要求', '（一）加强组织领导。各单位要高度重视。', '二、任务分工', '（一）常态化开展市容环境整治行动。依法取缔游摊散贩。'].join('\n'));
    expect(tasks).toEqual([['常态化开展市容环境整治行动', UNASSIGNED_UNIT_NAME, []]]);
  });
});

describe('bullets', () => {
  it('reads ●、◆、★ items as items, each with its own unit', () => {
    const tasks = tasksOf(
      ['三、重点任务', '◆开展占道经营整治，规范沿街经营秩序（责任单位：区城管局）', '★推进公益广告提升（责任单位：区委宣传部、各街道）', '● 责任领导：张明'].join('\n'),
    );
    expect(tasks.map((t) => t.slice(0, 2))).toEqual([
      ['开展占道经营整治，规范沿街经营秩序', '区城管局'],
      ['推进公益广告提升', '区委宣传部'],
    ]);
  });

  it('breaks a line that runs bullets together', () => {
    const tasks = tasksOf(
      '三、重点任务●开展占道经营整治，规范沿街经营秩序，清理乱堆乱放（责任单位：区城管局）●推进公益广告提升，更新公益广告牌（责任单位：区委宣传部）●整治农贸市场环境卫生，划行归市（责任单位：区市场监管局）',
    );
    expect(tasks.map((t) => t[1])).toEqual(['区城管局', '区委宣传部', '区市场监管局']);
  });
});

describe('lists run into one line', () => {
  it('breaks before （一）（二）（三） that follow each other in a line without punctuation before them', () => {
    const tasks = tasksOf(
      '实施专项整治工作（一）建筑施工场地专项整治施工场地：做到围档、净车出场。牵头领导：阮斌副局长责任部门：建工科、安全站（二）小街巷专项整治小街巷：对路面坑洼开展专项整治。牵头领导：王元灿副局长责任部门：城建科（三）道路绿化养护园林绿化：做好树木修剪。牵头领导：张明贵副局长责任部门：园林局',
    );
    expect(tasks.map((t) => t[1])).toEqual(['建工科', '城建科', '园林局']);
  });

  it('breaks a short paragraph that lists ①②③ and reads 以上工作由…牵头 as the unit of every item', () => {
    const tasks = tasksOf('同时搞好责任路段的巡视工作，其工作任务为：①保持良好的市容市貌；②保持良好的交通秩序；③保持基础设施完好无损。以上工作由熊文华同志牵头，全体物业人员全员参与。');
    expect(tasks.map((t) => t.slice(0, 2))).toEqual([
      ['保持良好的市容市貌', '熊文华'],
      ['保持良好的交通秩序', '熊文华'],
      ['保持基础设施完好无损', '熊文华'],
    ]);
  });
});

describe('units as the subjects of sentences', () => {
  it('reads 各乡镇政府负责… in an action item as its lead, a later 县城建局负责… as cooperating', () => {
    const tasks = tasksOf(['一、整治内容及时限', '1、整治居民区。各乡镇政府负责对住宅小区进行整治，清理小区垃圾。县城建局负责进行业务指导。'].join('\n'));
    expect(tasks).toEqual([['整治居民区', '各乡镇政府', ['县城建局']]]);
  });

  it('does not read them as leads under safeguards', () => {
    const tasks = tasksOf(['三、工作措施', '（一）强化督促检查。区创建办公室要认真制定督查方案。', '（二）严格责任追究。区纪委负责追责。'].join('\n'));
    expect(tasks).toEqual([]);
  });

  it('reads paragraphs without numbers, each led by its unit, after a lead-in that speaks of tasks', () => {
    const text = [
      '现将各单位在村庄环境整治工作中的任务作如下明确：',
      '区住建局负责全区村庄环境整治总协调工作，指导督查农村生活污水处理设施建设。',
      '区城管局负责村庄生活垃圾的收集、转运和处置的技术指导和督查。',
      '区财政局负责村庄环境整治专项经费的落实。',
    ].join('\n');
    expect(tasksOf(text).map((t) => t.slice(0, 2))).toEqual([
      ['区住建局负责全区村庄环境整治总协调工作', '区住建局'],
      ['区城管局负责村庄生活垃圾的收集、转运和处置的技术指导和督查', '区城管局'],
      ['区财政局负责村庄环境整治专项经费的落实', '区财政局'],
    ]);
    // The same paragraphs copied without their line breaks.
    expect(tasksOf(text.replace(/\n/g, '')).map((t) => t[1])).toEqual(['区住建局', '区城管局', '区财政局']);
  });

  it('reads an item that opens with who does it: 区总工会牵头，团区委、区妇联共同组织，…', () => {
    const tasks = tasksOf(['三、主要任务', '1、区林业局牵头，协调指导认种树木活动。', '2、区总工会牵头，团区委、区妇联共同组织，广泛宣传植树活动。'].join('\n'));
    expect(tasks).toEqual([
      ['协调指导认种树木活动', '区林业局', []],
      ['广泛宣传植树活动', '区总工会', ['团区委', '区妇联']],
    ]);
  });
});

describe('where an item’s title ends', () => {
  it('ends the title at a label written after a comma: 开展“牛皮癣”清理，责任单位：…', () => {
    expect(tasksOf(['一、工作任务', '1、开展“牛皮癣”清理，责任单位：区城管局、各社区'].join('\n'))).toEqual([['开展“牛皮癣”清理', '区城管局', ['各社区']]]);
  });

  it('leaves 按职责分工负责 out of the unit names', () => {
    expect(tasksOf(['四、工作任务', '1、开展文明交通劝导。（责任单位：市公安局、市文明办按职责分工负责）'].join('\n'))).toEqual([
      ['开展文明交通劝导', '市公安局', ['市文明办']],
    ]);
  });
});

describe('short lines that run a list', () => {
  it('breaks a Traditional line of （一）（二）（三） items, each with its bracket of units', () => {
    const tasks = tasksOf('三、主要任務（一）整治佔道經營，規範沿街經營秩序。（責任單位：區城管局）（二）規範停車秩序，施劃停車位。（責任單位：區公安分局交警大隊、區交通運輸局）（三）整治農貿市場環境。（責任單位：區市場監管局）');
    expect(tasks.map((t) => t[1])).toEqual(['区城管局', '区公安分局交警大队', '区市场监管局']);
  });

  it('breaks run-in heads of actions, the first right after the heading that gathers them', () => {
    const tasks = tasksOf(
      '（二）整治重点环境卫生整治：加大对城市主次干道、背街小巷、城中村、城乡结合部等区域的清扫保洁力度，确保无卫生死角、无暴露垃圾。市容市貌整治：规范户外广告、门头牌匾设置，拆除违法违规户外广告，加强占道经营管理。交通秩序整治：优化交通组织，严厉打击交通违法行为，加强交通文明劝导。',
    );
    expect(tasks.map((t) => t[0])).toEqual(['环境卫生整治', '市容市貌整治', '交通秩序整治']);
  });
});
