// Personal names in plans: "黄 龙" (padded to the width of a three-character name), "段学文同志",
// "张伟（管委会副主任）"; and telling them from descriptions ("各局室负责人") and unit names.
import { HAN } from './text.js';

export interface PersonName {
  name: string;
  /** A title written beside the name, e.g. 管委会副主任. */
  title?: string;
}

/** Words that never occur in a personal name but do in descriptions of people or in unit names. */
const NOT_A_NAME =
  /负责人|领导|干部|职工|全体|人员|成员|代表|同志们|书记|主任|局长|部长|科长|队长|所长|组长|委员|单位|部门|机关|中心|公司|社区|街道|园区|各|等|局$|办$|室$|部$|委$|队$|所$|站$|院$|处$|科$|会$|组$|厅$|馆$/;

/** A post written beside a name: 区委书记, 区长, 管委会副主任. */
const TITLE_WORD = /(书记|区长|县长|市长|镇长|乡长|主任|局长|部长|主席|常委|经理|董事长|处长|科长|所长|队长|站长|院长|校长|委员|秘书长|调研员|总监|行长)$/;

const NAME_RE = new RegExp(`^[${HAN}·]{2,4}$`);
const COMPOUND_SURNAMES =
  '欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 令狐 端木 独孤 南宫 西门 呼延 澹台 单于 轩辕 钟离 闻人 万俟 申屠 太史 赫连 百里 东郭 公冶 濮阳 淳于 仲孙 第五'.split(
    ' ',
  );
const SURNAMES = new Set(
  ('王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由兴钮').split(
    '',
  ),
);

/** A plausible personal name (2–4 Han characters, nothing that names a unit or a group). */
export function isPersonName(token: string): boolean {
  return NAME_RE.test(token) && !NOT_A_NAME.test(token) && !TITLE_WORD.test(token);
}

/** Stricter, for a value that may as well be a unit: must also start with a known surname. */
export function looksLikePersonName(token: string): boolean {
  if (!isPersonName(token)) return false;
  if (COMPOUND_SURNAMES.some((s) => token.startsWith(s))) return token.length >= 3;
  return SURNAMES.has(token[0]) && token.length <= 3;
}

/**
 * Splits a list of names: "刘咏雪 邓佑长"、"王　芳、赵　强"、"张　伟（区委书记）". Single characters standing next to each
 * other are one name written with padding ("黄 龙"; four in a row are two such names). `ok` is false when some part
 * is not a name (a description such as 各局室负责人); `names` then holds the parts that are names and `others` the rest.
 */
export function splitNames(value: string): { ok: boolean; names: PersonName[]; others: string[] } {
  const all: PersonName[] = [];
  const isTitle = (token: string) => TITLE_WORD.test(token) && !isPersonName(token);
  const addTitle = (person: PersonName, title: string) => {
    person.title = person.title ? `${person.title}、${title}` : title;
  };
  // Titles before a name wait for it ("区委副书记、区长 张三"); titles after a name are its own ("张三 区委副书记、区长").
  let waiting: string[] = [];
  let last: PersonName | undefined;
  let lastTitledAfter = false;
  for (const rawPart of value.split(/[、，,；;/]+/)) {
    let part = rawPart.trim();
    let bracketed: string | undefined;
    part = part.replace(/（([^）]*)）$/, (_, t: string) => {
      bracketed = t.trim();
      return '';
    });
    const tokens = mergePadding(
      part
        .split(/\s+/)
        .map((t) => t.replace(/同志$/, '').replace(/[。：]$/, '').replace(/(?<=..)等$/, ''))
        .filter(Boolean),
    ).flatMap(splitTitleAndName);
    if (tokens.length > 0 && tokens.every(isTitle)) {
      if (last && lastTitledAfter) addTitle(last, tokens.join('、'));
      else waiting.push(...tokens);
      continue;
    }
    let named: PersonName | undefined;
    for (const token of tokens) {
      if (isTitle(token)) {
        if (named) {
          addTitle(named, token);
          lastTitledAfter = true;
        } else {
          waiting.push(token);
        }
        continue;
      }
      named = { name: token, ...(waiting.length ? { title: waiting.join('、') } : {}) };
      waiting = [];
      lastTitledAfter = false;
      all.push(named);
      last = named;
    }
    if (bracketed && last) last.title = bracketed;
  }
  const names = all.filter((n) => isPersonName(n.name));
  const others = all.filter((n) => !isPersonName(n.name)).map((n) => n.name);
  return { ok: names.length > 0 && others.length === 0, names, others };
}

/** "区委书记张三" written without a space: the post, then the name. */
function splitTitleAndName(token: string): string[] {
  if (isPersonName(token)) return [token];
  const m = new RegExp(`^(.{2,}?(?:${TITLE_WORD.source.slice(1, -2)}))([${HAN}]{2,3})$`).exec(token);
  return m && isPersonName(m[2]) ? [m[1], m[2]] : [token];
}

/** Joins runs of single characters: two or three make one name, four make two. */
function mergePadding(tokens: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < tokens.length; ) {
    if (tokens[i].length !== 1) {
      out.push(tokens[i++]);
      continue;
    }
    let j = i;
    while (j < tokens.length && tokens[j].length === 1) j++;
    const run = tokens.slice(i, j);
    if (run.length <= 3) out.push(run.join(''));
    else for (let k = 0; k < run.length; k += 2) out.push(run.slice(k, k + 2).join(''));
    i = j;
  }
  return out;
}
