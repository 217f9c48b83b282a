// The parts of the importer one by one: heading levels, names, units, dates, indicators, normalising.
import { describe, expect, it } from 'vitest';
import { findDateRanges, findDeadline } from '../../plan/dates.js';
import { findIndicators } from '../../plan/extract-indicators.js';
import { documentPrefix } from '../../plan/extract-organisation.js';
import { pinyinSlug } from '../../plan/ids.js';
import { inlineLabels, parseLabelLine } from '../../plan/labels.js';
import { splitNames } from '../../plan/names.js';
import { normaliseLine, normaliseText } from '../../plan/normalise.js';
import { parseMarker, parseStructure } from '../../plan/structure.js';
import { splitUnits, unitKey } from '../../plan/units.js';

describe('heading levels', () => {
  it('knows the markers plans use', () => {
    const marker = (line: string) => {
      const m = parseMarker(line);
      return m && [m.type, m.ordinal, m.rest];
    };
    expect(marker('五、2021年北海开展8大项专项整治提升行动')).toEqual(['cnComma', 5, '2021年北海开展8大项专项整治提升行动']);
    expect(marker('（十二）加强组织领导')).toEqual(['cnParen', 12, '加强组织领导']);
    expect(marker('3、著力于干部思想作风建设。')).toEqual(['num', 3, '著力于干部思想作风建设。']);
    expect(marker('1.开展回迁楼小区环境治理行动')).toEqual(['num', 1, '开展回迁楼小区环境治理行动']);
    expect(marker('（2）规范经营')).toEqual(['numParen', 2, '规范经营']);
    expect(marker('③清理垃圾')).toEqual(['circled', 3, '清理垃圾']);
    expect(marker('第二阶段：深入推进')).toEqual(['stage:阶段', 2, '深入推进']);
    expect(marker('1.08平方米以上')).toBeUndefined();
    expect(marker('2016-2018 年，通过扎实工作')).toBeUndefined();
    expect(marker('一是持续深入学习')).toBeUndefined();
  });

  it('nests by the order markers appear in, whatever that order is', () => {
    const doc = parseStructure(['一、甲', '1.子一', '（1）孙', '2.子二', '二、乙', '（一）丙', '1.丁']);
    const tree = (s: (typeof doc.sections)[number]): unknown => [s.markerText + s.title, ...s.children.map(tree)];
    expect(doc.root.children.map(tree)).toEqual([
      ['一、甲', ['1.子一', ['（1）孙']], ['2.子二']],
      ['二、乙', ['（一）丙', ['1.丁']]],
    ]);
  });

  it('closes deeper levels when a higher one follows them out of the blue', () => {
    // （一） was lost inside a line; （二） still belongs under 三、, not under 5、.
    const doc = parseStructure(['三、工作措施（一）加强组织领导。', '5、创建活动组。', '（二）广泛宣传动员。']);
    expect(doc.root.children[0].children.map((s) => s.markerText)).toEqual(['5、', '（二）']);
  });

  it('continues a role line over lines of bare names, and joins a paragraph a page cut', () => {
    const doc = parseStructure([
      '副组长：高志荣、王超民',
      '',
      '薛兴华、曹建明',
      '不断提升城市功能和管理精细化水平，提升社会文明程度，提升城市形象和综合竞争力，提升社会文明程',
      '',
      '度和市民幸福指数。',
    ]);
    expect(doc.root.blocks.map((b) => [b.kind, b.lines, b.label?.value ?? b.text])).toEqual([
      ['label', [1, 3], '高志荣、王超民 薛兴华、曹建明'],
      ['paragraph', [4, 6], '不断提升城市功能和管理精细化水平，提升社会文明程度，提升城市形象和综合竞争力，提升社会文明程度和市民幸福指数。'],
    ]);
  });
});

describe('labels', () => {
  it('reads label lines with padded keys', () => {
    expect(parseLabelLine('组 长：黄 龙')).toMatchObject({ key: '组长', word: { kind: 'role', role: 'groupLeader' }, value: '黄 龙' });
    expect(parseLabelLine('常务副组长：欧阳小文')?.word.role).toBe('executiveDeputy');
    expect(parseLabelLine('责任局室：招商合作局、经济发展局')?.word.kind).toBe('lead');
    expect(parseLabelLine('指导思想：以人民为中心')).toBeUndefined();
    expect(parseLabelLine('副 组 长  张三  李四')).toMatchObject({ key: '副组长', value: '张三  李四' });
    expect(parseLabelLine('成员单位各部门')).toBeUndefined();
  });

  it('finds labels inside a paragraph and where each value ends', () => {
    const labels = inlineLabels(
      '基础环境整治组。责任单位：社会事务办、各社区。工作任务：一是负责保洁。二是整治违建。（牵头单位：区城管局；完成时限：6月底）',
      1,
    );
    expect(labels.map((l) => [l.key, l.value])).toEqual([
      ['责任单位', '社会事务办、各社区'],
      ['工作任务', '一是负责保洁。二是整治违建。（'],
      ['牵头单位', '区城管局'],
      ['完成时限', '6月底'],
    ]);
  });
});

describe('names', () => {
  it('joins padding and splits lists', () => {
    expect(splitNames('刘咏雪 邓佑长 邓立桂').names.map((n) => n.name)).toEqual(['刘咏雪', '邓佑长', '邓立桂']);
    expect(splitNames('黄 龙').names.map((n) => n.name)).toEqual(['黄龙']);
    expect(splitNames('王　芳、赵　强'.replace(/\u3000/g, ' ')).names.map((n) => n.name)).toEqual(['王芳', '赵强']);
    expect(splitNames('段学文同志').names.map((n) => n.name)).toEqual(['段学文']);
  });

  it('keeps posts beside names as titles', () => {
    expect(splitNames('张 伟（区委书记）').names).toEqual([{ name: '张伟', title: '区委书记' }]);
    expect(splitNames('区长 李明').names).toEqual([{ name: '李明', title: '区长' }]);
    expect(splitNames('区委副书记、区长 张三').names).toEqual([{ name: '张三', title: '区委副书记、区长' }]);
    expect(splitNames('区委书记张三').names).toEqual([{ name: '张三', title: '区委书记' }]);
    expect(splitNames('李四、王五等').names.map((n) => n.name)).toEqual(['李四', '王五']);
    expect(splitNames('张三 区委副书记、区长，李四 副区长').names).toEqual([
      { name: '张三', title: '区委副书记、区长' },
      { name: '李四', title: '副区长' },
    ]);
  });

  it('tells descriptions from names', () => {
    expect(splitNames('园区和园区开发公司各局室负责人')).toEqual({
      ok: false,
      names: [],
      others: ['园区和园区开发公司各局室负责人'],
    });
  });
});

describe('units', () => {
  it('splits lists, drops 等部门, reads 牵头 and 配合 marks', () => {
    expect(splitUnits('北海服务中心、旅游公司等部门').map((u) => u.name)).toEqual(['北海服务中心', '旅游公司']);
    expect(splitUnits('市场监管局和城管局').map((u) => u.name)).toEqual(['市场监管局', '城管局']);
    expect(splitUnits('和平社区').map((u) => u.name)).toEqual(['和平社区']);
    expect(splitUnits('区城管局牵头，各社区配合').map((u) => [u.name, u.mark])).toEqual([
      ['区城管局', 'lead'],
      ['各社区', 'cooperating'],
    ]);
    expect(splitUnits('王世国 孙巧枝').map((u) => [u.name, u.person])).toEqual([
      ['王世国', true],
      ['孙巧枝', true],
    ]);
  });

  it('gives two spellings of one unit one key', () => {
    expect(unitKey('区北海服务中心')).toBe(unitKey('北海服务中心'));
    expect(unitKey('党政综合办公室')).toBe(unitKey('党政综合办'));
    expect(unitKey('区直机关')).not.toBe(unitKey('直机关'));
  });
});

describe('dates', () => {
  it('reads ranges with and without years and days', () => {
    const ranges = (text: string) => findDateRanges(text, 2016).map((r) => [r.start, r.end]);
    expect(ranges('（2015年1月—2015年3月）')).toEqual([['2015-01-01', '2015-03-31']]);
    expect(ranges('（2016年7月—12月）')).toEqual([['2016-07-01', '2016-12-31']]);
    expect(ranges('2022年3月1日—3月31日')).toEqual([['2022-03-01', '2022-03-31']]);
    expect(ranges('2021年至2023年创建周期内')).toEqual([['2021-01-01', '2023-12-31']]);
    expect(ranges('2016-2018年')).toEqual([['2016-01-01', '2018-12-31']]);
    expect(ranges('（2021.3—2021.12）')).toEqual([['2021-03-01', '2021-12-31']]);
  });

  it('reads deadlines', () => {
    expect(findDeadline('2022年6月底前', 2022, true)?.date).toBe('2022-06-30');
    expect(findDeadline('于8月31日前完成改造', 2022, false)?.date).toBe('2022-08-31');
    expect(findDeadline('8月开展检查', 2022, false)).toBeUndefined();
    expect(findDeadline('年底前', 2021, true)?.date).toBe('2021-12-31');
    expect(findDeadline('2月底', 2024, true)?.date).toBe('2024-02-29');
    expect(findDeadline('确保年底前全部完成', 2021, false)?.date).toBe('2021-12-31');
  });
});

describe('indicators', () => {
  it('reads thresholds in symbols and words', () => {
    const read = (text: string) => findIndicators(text, 1).map((i) => [i.metric, i.operator, i.value, i.unit]);
    expect(read('主干道装灯率100%，亮灯率≥96%')).toEqual([
      ['主干道装灯率', '>=', 100, '%'],
      ['亮灯率', '>=', 96, '%'],
    ]);
    expect(read('生活垃圾无害化处理率大于95%')).toEqual([['生活垃圾无害化处理率', '>', 95, '%']]);
    expect(read('群众满意度调查>80%')).toEqual([['群众满意度调查', '>', 80, '%']]);
    expect(read('不超过3个')).toEqual([['', '<=', 3, '个']]);
    expect(read('围绕5个重点，纪念建党95周年')).toEqual([]);
  });
});

describe('normalising', () => {
  it('cleans widths, punctuation and noise', () => {
    expect(normaliseLine('要求,加强《工作清单》的.要求')).toBe('要求，加强《工作清单》的要求');
    expect(normaliseLine("发挥党员干部在工作中的'宣传带动")).toBe('发挥党员干部在工作中的宣传带动');
    expect(normaliseLine('面积大于1.08平方米,比例１０％')).toBe('面积大于1.08平方米，比例10%');
    expect(normaliseLine('精神,,结合')).toBe('精神，结合');
    expect(normaliseLine('关于印发<怀化市方案>的通知')).toBe('关于印发〈怀化市方案〉的通知');
    expect(normaliseLine('满意度>80%')).toBe('满意度>80%');
    expect(normaliseLine('二〇二二年三月十五日')).toBe('2022年3月15日');
  });

  it('converts Traditional to Simplified and keeps line numbers', () => {
    const { lines, converted } = normaliseText('組　長：歐陽小文\n\n責任單位：區公用事業局');
    expect(converted).toBe(true);
    expect(lines).toEqual(['组 长：欧阳小文', '', '责任单位：区公用事业局']);
  });
});

describe('ids and document numbers', () => {
  it('makes slugs of whole syllables', () => {
    expect(pinyinSlug('公用事业局')).toBe('gongyongshiyeju');
    expect(pinyinSlug('欧阳小文', { person: true })).toBe('ouyangxiaowen');
    expect(pinyinSlug('盖州市公安局北海综合管理大队')).toBe('gaizhoushigonganjubeihaizongheguanlida');
  });

  it('derives the document prefix from the issuing body and the plan’s wording', () => {
    expect(documentPrefix('北海经济开发区', '创城 创城')).toBe('北海创城');
    expect(documentPrefix('湖南桂阳工业园区管理委员会', '创文')).toBe('桂阳创文');
    expect(documentPrefix('东湖区', '', '东湖创城〔2022〕1号')).toBe('东湖创城');
    expect(documentPrefix(undefined, '')).toBe('创建');
  });
});
