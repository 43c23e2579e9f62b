"""Labelled repost pairs and a generated archive for the dedup benchmark (``benchmarks/dedup.py``).

Nothing here is real: parks, firms, people, media and figures are invented, and the text
is put together from sentence templates written for this file (park news as Chinese park
sites and portals publish it: signings, project starts, inspections, monthly figures,
notices, name lists), each filled with its own names, numbers and dates, so two stories
share phrasing but not facts.

``labelled_pairs()`` gives ``Pair`` rows, deterministic for a seed:

- positives (``kind`` ``repost``): a story of 300–1500 characters (one in ten: a notice,
  report or name list) and a portal's copy of it with 2–5 of the edits portals make
  (``EDITS``: a 来源/编辑 line, an 原标题 line, a rewritten lead, one or two
  paragraphs dropped, a "据XX消息" or "XX讯（记者 …）" opening, half-width
  punctuation, full-width digits, a leaked "发布时间 … 浏览次数" line, a disclaimer, a
  photo caption, a sentence cut, a new title; traditional characters in one in twenty).
  ``Pair.note`` lists the edits.
- hard negatives: ``template_year`` (the same call for applications in two years),
  ``periodic`` (weekly/monthly reports, same frame, other figures), ``boilerplate`` (two
  stories of one park on one day, sharing its introduction and closing paragraphs),
  ``short`` (items under 50 characters) and ``company_list`` (two name lists of one park
  sharing many of their companies).

``corpus()`` yields archive rows (``articles`` columns) for the scale runs: fresh
stories, reposts of recent stories and notices (on portal sites; a story may be copied
several times), notices, reports and lists (the hard negatives' families: each park words
its frames its own way, ``DIALECT``) and short items.

Background similarity (what the LSH proposes for nothing) sets the cost of the scale
runs: two unrelated generated stories have a median 5-gram Jaccard of about 0.04, and
a mean chance of 4e-4 of being LSH candidates (threshold 0.4, 32 bands of 4); real
mainland news pages of one day (daniel_zh gold texts, near-copies left out) give 2e-5.
Park news is more formulaic than general news, so the generated corpus is on the
pessimistic side.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache

# ----------------------------------------------------------------------- names and words

PARKS = [  # (full name, short name, city)
    ("云溪经济技术开发区", "云溪经开区", "云溪"), ("青岚高新技术产业开发区", "青岚高新区", "青岚"),
    ("临澜综合保税区", "临澜综保区", "临澜"), ("北辰经济开发区", "北辰经开区", "北辰"),
    ("松川高新技术产业开发区", "松川高新区", "松川"),
    ("梧桐港经济技术开发区", "梧桐港经开区", "梧桐"),
    ("南麓科技城", "南麓科技城", "南麓"), ("鹤鸣湖产业园区", "鹤鸣湖园区", "鹤鸣"),
    ("丰泽工业园区", "丰泽园区", "丰泽"), ("澄川高新技术产业开发区", "澄川高新区", "澄川"),
    ("白鹭湾经济开发区", "白鹭湾开发区", "白鹭"), ("金沙湖智造园", "金沙湖智造园", "金沙"),
    ("星桥经济技术开发区", "星桥经开区", "星桥"), ("玉泉新区", "玉泉新区", "玉泉"),
    ("龙川产业新城", "龙川新城", "龙川"), ("石岭工业园区", "石岭园区", "石岭"),
    ("长汀高新技术产业开发区", "长汀高新区", "长汀"), ("翠屏山经济开发区", "翠屏山开发区", "翠屏"),
    ("东湾临港产业园", "东湾临港园", "东湾"), ("凤栖经济技术开发区", "凤栖经开区", "凤栖"),
    ("西峡高新区", "西峡高新区", "西峡"), ("明湖生态科技园", "明湖科技园", "明湖"),
    ("安澜经济开发区", "安澜开发区", "安澜"), ("柏溪工业园区", "柏溪园区", "柏溪"),
]
MEDIA_FORMS = ["{city}日报", "{city}晚报", "{city}发布", "{city}新闻网", "{city}融媒体中心",
               "{city}广播电视台", "{city}经济报"]
PORTALS = ["园创科技网", "中国园区在线", "开发区观察", "产业招商网", "园区通讯社", "智造前沿网",
           "投资导报", "产经时评网", "高新动态网", "招商引资资讯"]
BRANDS = ("华瑞恒盛博晶鑫泰锐迅达睿芯源弘凯通宏远创天海星光明智能德信诚和美安康健峰腾"
          "飞越嘉润丰祥合众盈威力佳欣悦卓驰骏捷汇图维拓启元鼎晟联禾衡沐航微讯正伟立新")
FIRM_TRADES = ["智能", "新材料", "生物", "电子", "精密", "半导体", "新能源", "医疗", "光电",
               "环保", "数控", "储能", "化学", "食品", "纺织", "物流", "软件", "信息", "汽车部件",
               "机器人", "传感", "复合材料", "装备", "科技", "能源", "药业", "检测"]
FIRM_SUFFIXES = ["科技有限公司", "股份有限公司", "有限公司", "集团有限公司", "科技股份有限公司",
                 "技术有限公司", "制造有限公司"]
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
            "蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛")
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红玲芬燕彬鹏辉俊峰建国志海宁晓文斌浩宇"
ROLES = ["党工委书记", "管委会主任", "管委会常务副主任", "管委会副主任", "招商局局长",
         "经济发展局局长", "科技创新局副局长", "市委常委", "副市长", "区长", "党工委副书记"]
INDUSTRIES = ["新能源汽车", "生物医药", "集成电路", "高端装备制造", "新材料", "人工智能",
              "工业互联网", "智能终端", "光伏储能", "医疗器械", "节能环保", "现代物流",
              "跨境电商", "氢能", "数字经济", "精细化工", "绿色食品", "航空航天配套"]
PRODUCTS = ["动力电池模组", "车规级芯片", "高性能复合材料", "工业机器人减速器", "光伏组件",
            "体外诊断试剂", "高端数控机床", "智能传感器", "储能变流器", "碳化硅衬底",
            "医用导管", "氢燃料电池电堆", "新型显示面板", "精密轴承", "液冷服务器"]
EVENTS = ["集中签约仪式", "重点项目集中开工活动", "产业推介会", "招商引资恳谈会", "政企座谈会",
          "人才招聘会", "安全生产专题会议", "营商环境优化大会", "科技成果对接会", "银企对接会"]
PLACES = ["深圳", "上海", "苏州", "杭州", "广州", "北京", "成都", "武汉", "合肥", "西安", "南京",
          "宁波", "厦门", "青岛", "长沙"]


@cache
def _to_traditional():
    from opencc import OpenCC  # opencc-python-reimplemented (a project dependency)

    return OpenCC("s2t").convert


def _phone(rng: random.Random) -> str:
    return f"{rng.randint(510, 999)}-{rng.randint(1000000, 9999999)}"


def firm(rng: random.Random) -> str:
    return (rng.choice(BRANDS) + rng.choice(BRANDS) + rng.choice(FIRM_TRADES)
            + rng.choice(FIRM_SUFFIXES))


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def media(rng: random.Random, city: str | None = None) -> str:
    if city is None or rng.random() < 0.35:
        return rng.choice(PORTALS)
    return rng.choice(MEDIA_FORMS).format(city=city)


def _money(rng: random.Random, low: float, high: float) -> str:
    value = rng.uniform(low, high)
    return f"{value:.1f}" if value < 20 and rng.random() < 0.5 else str(round(value))


# ----------------------------------------------------------------------- story templates
# Sentences are format strings over an article's context (``_context``); a story is a
# lead (its topic's), 2–7 body paragraphs of 1–3 sentences from its topic and the shared
# pool, and a closing sentence.

LEADS = {
    "sign": ["{md}，{ps}举行{y}年第{nth}批重点项目{event}，共签约项目{n1}个，总投资{a1}亿元。",
             "{md}，{ps}在{place}举办{ind1}产业专场推介会，现场签约项目{n1}个，协议投资额{a1}亿元。",
             "{md}上午，{c1}{prod}项目签约仪式在{ps}举行，项目总投资{a1}亿元，达产后预计年产值{a2}亿元。"],
    "start": ["{md}，{ps}{y}年{season}重大项目集中开工，{n1}个项目同步开工，总投资{a1}亿元。",
              "{md}，{c1}年产{n2}万套{prod}项目在{ps}竣工投产，项目总投资{a1}亿元。",
              "{md}，位于{ps}的{c1}新厂区主体结构顺利封顶，较计划工期提前{n3}天。"],
    "economy": ["今年{period}，{ps}实现规上工业总产值{a1}亿元，同比增长{g1}%，增速居全市第{n3}位。",
                "据{ps}经济发展局统计，{period}园区完成固定资产投资{a1}亿元，同比增长{g1}%。"],
    "visit": ["{md}，{r1}{p1}带队赴{ps}调研{ind1}产业发展和重点项目建设情况。",
              "{md}，{place}{ind1}行业协会一行{n3}人到{ps}考察交流，{r1}{p1}陪同。"],
    "service": ["为帮助企业解决生产经营中的实际困难，{md}，{ps}组织{n3}个部门走访{c1}等"
                "{n1}家企业。",
                "{md}，{ps}召开政企座谈会，{r1}{p1}与{n1}家重点企业负责人面对面交流。"],
    "talent": ["{md}，{ps}{y}年“春风行动”人才招聘会在园区人力资源市场举行，{n1}家企业"
               "提供岗位{n2}个。",
               "{md}，{ps}首批{n1}套人才公寓正式交付使用，首批入住人才{n3}名。"],
    "tech": ["{md}，{ps}{c1}联合{univ}共建的{ind1}研究院正式揭牌。",
             "近日，{ps}{n1}家企业入选{y}年度省级专精特新中小企业名单，数量居全市首位。"],
    "safety": ["{md}，{ps}召开{y}年安全生产工作会议，部署安全生产大检查工作，{r1}{p1}出席并讲话。",
               "{md}，{ps}组织开展危险化学品企业专项检查，共检查企业{n1}家，排查隐患{n2}处。"],
    "green": ["{md}，{ps}{c1}分布式光伏项目并网发电，装机容量{n2}千瓦，预计年发电量{n3}万千瓦时。",
              "{md}，{ps}入选{y}年度省级绿色低碳示范园区，是全市唯一入选的园区。"],
}
TOPIC_SENTENCES = {
    "sign": ["本批签约项目涵盖{ind1}、{ind2}等领域，其中超10亿元项目{n3}个。",
             "{c1}计划投资{a2}亿元，建设{prod}研发生产基地，达产后预计年产值{a3}亿元。",
             "{c2}负责人表示，选择落户{ps}，看中的是这里完善的产业配套和高效的政务服务。",
             "签约仪式上，{r1}{p1}代表园区致辞，{r2}{p2}向签约企业颁发项目落户证书。",
             "据了解，今年以来{ps}已累计签约项目{n4}个，协议投资额达到{a4}亿元，同比增长{g2}%。",
             "{c3}与园区签订投资协议，拟在{ps}设立区域总部，注册资本{n5}万元。"],
    "start": ["此次开工项目中，产业项目{n3}个，基础设施项目{n4}个，社会民生项目{n5}个。",
              "{c1}项目占地{n4}亩，新建厂房及配套用房{n5}万平方米，建成后可新增就业岗位{n6}个。",
              "项目建设过程中，园区实行“拿地即开工”审批模式，从签约到开工仅用时{n3}天。",
              "{c2}项目负责人介绍，新工厂将引进{n4}条自动化生产线，主要生产{prod}。",
              "{r1}{p1}宣布项目开工，并到施工现场察看项目建设进度。"],
    "economy": ["从行业看，{ind1}产业实现产值{a2}亿元，同比增长{g2}%，对园区工业增长的"
                "贡献率达{g3}%。",
                "{period}，园区新增规上工业企业{n3}家，累计达到{n4}家。",
                "外贸进出口总额{a3}亿元，同比增长{g2}%，其中出口{a4}亿元。",
                "实际利用外资{n5}万美元，完成全年目标任务的{g3}%。",
                "一般公共预算收入{a4}亿元，同比增长{g1}%，税收占比{g3}%。"],
    "visit": ["调研组先后来到{c1}、{c2}等企业，深入生产车间，详细了解企业生产经营和项目建设情况。",
              "在{c1}，{p1}察看了{prod}生产线，听取了企业负责人关于技术研发和市场拓展情况的汇报。",
              "{p1}指出，{ps}要坚持把发展经济的着力点放在实体经济上，加快培育{ind1}产业集群。",
              "座谈会上，{ps}主要负责人汇报了园区{y}年以来经济运行情况和下一步工作打算。",
              "考察团一行表示，将进一步加强与{ps}的交流合作，推动更多项目落地。"],
    "service": ["座谈会上，企业负责人围绕用工招聘、融资贷款、物流运输等方面提出意见建议{n2}条。",
                "对企业反映的问题，园区建立问题清单，明确责任部门和办结时限，能现场解决的当场解决。",
                "{c1}负责人反映，企业扩产急需标准厂房{n4}平方米，园区当即协调{c2}闲置厂房予以解决。",
                "今年以来，园区累计为企业协调解决各类问题{n5}个，兑现各类惠企资金{a2}亿元。",
                "{r1}{p1}要求，各部门要当好服务企业的“店小二”，做到有求必应、无事不扰。"],
    "talent": ["招聘会现场，{c1}、{c2}等企业推出技术研发、生产操作、市场营销等岗位，"
               "吸引求职者{n4}人次。",
               "现场初步达成就业意向{n5}人，其中本科以上学历{n6}人。",
               "人才公寓配备家具家电，实现拎包入住，租金按市场价的{g1}%收取。",
               "近年来，{ps}累计引进各类人才{n5}名，其中博士{n6}名、硕士{n4}名。"],
    "tech": ["研究院将聚焦{prod}关键技术攻关，计划三年内引进研发人员{n4}名，申请发明专利{n5}项。",
             "{c1}负责人表示，研究院的成立将有效破解企业技术瓶颈，加快科技成果就地转化。",
             "截至目前，园区拥有高新技术企业{n4}家、省级以上研发平台{n5}个。",
             "{y}年，园区企业研发投入{a2}亿元，同比增长{g2}%，研发投入强度达到{g3}%。"],
    "safety": ["会议通报了近期安全生产形势，对{ind1}等重点行业领域安全防范工作作出部署。",
               "检查组采取“四不两直”方式，深入生产车间、仓库和配电房，重点检查消防设施和应急预案落实情况。",
               "对检查发现的{n2}处隐患，检查组当场下发整改通知书，要求企业限期整改到位。",
               "{r1}{p1}强调，要压紧压实企业安全生产主体责任，坚决防范遏制重特大事故发生。",
               "截至目前，已完成整改{n3}处，整改率达到{g1}%。"],
    "green": ["项目采用“自发自用、余电上网”模式，每年可节约标准煤{n4}吨，减少二氧化碳排放{n5}吨。",
              "近年来，园区累计推动{n3}家企业实施节能改造，单位工业增加值能耗下降{g2}%。",
              "园区建成集中供热管网{n4}公里，淘汰燃煤锅炉{n3}台。",
              "下一步，园区将推进屋顶光伏全覆盖，力争到{y2}年园区可再生能源使用比例达到{g3}%。"],
}
SHARED_SENTENCES = [
    "近年来，{ps}坚持把招商引资和项目建设作为经济工作的生命线，持续优化营商环境。",
    "{ps}位于{city}市{dir}部，规划面积{n5}平方公里，现有入驻企业{n6}余家。",
    "园区聚焦{ind1}、{ind2}两大主导产业，着力延链补链强链，产业集聚效应日益显现。",
    "{c2}是一家专注于{prod}研发与生产的国家高新技术企业，产品远销{n3}个国家和地区。",
    "园区为项目提供全程代办服务，确保项目早开工、早投产、早见效。",
    "今年以来，{ps}围绕全年目标任务，抢抓政策机遇，全力以赴拼经济、抓项目、优服务。",
    "{r2}{p2}表示，园区将一如既往做好要素保障，为企业发展创造良好环境。",
    "活动现场，{c3}等{n3}家企业代表作了交流发言。",
    "会议要求，各部门要提高政治站位，强化责任担当，确保各项工作落到实处。",
    "园区还将用好{a3}亿元产业引导基金，撬动社会资本投向{ind2}领域。",
    "据介绍，{c1}成立于{y0}年，是{ind1}领域的骨干企业，拥有授权专利{n4}项。",
    "记者在现场看到，施工人员正在紧张有序作业，塔吊林立，一派繁忙景象。",
]
CLOSINGS = [
    "下一步，{ps}将持续深化“放管服”改革，以更优的服务推动项目早见效、企业快发展。",
    "{ps}相关负责人表示，将以此为契机，进一步壮大{ind1}产业集群，为全市高质量发展贡献力量。",
    "接下来，园区将建立项目推进专班，实行挂图作战，确保全年目标任务圆满完成。",
    "园区将继续加大招商引资力度，力争全年新签约亿元以上项目{n6}个以上。",
]
TITLES = {
    "sign": ["{ps}{y}年第{nth}批重点项目集中签约 总投资{a1}亿元", "{n1}个项目签约落户{ps}",
             "总投资{a1}亿元！{c1}{prod}项目落户{ps}"],
    "start": ["{ps}{n1}个重大项目集中开工", "{c1}{prod}项目在{ps}竣工投产",
              "{c1}新厂区主体结构封顶"],
    "economy": ["{period}{ps}规上工业总产值同比增长{g1}%", "{ps}{period}经济运行稳中向好"],
    "visit": ["{p1}到{ps}调研{ind1}产业发展", "{place}{ind1}行业协会来{ps}考察交流"],
    "service": ["{ps}走访企业解难题", "{ps}召开政企座谈会"],
    "talent": ["{ps}举办“春风行动”人才招聘会", "{ps}首批人才公寓交付使用"],
    "tech": ["{univ}{ps}{ind1}研究院揭牌", "{ps}{n1}家企业入选省级专精特新企业名单"],
    "safety": ["{ps}部署安全生产大检查", "{ps}开展危险化学品企业专项检查"],
    "green": ["{ps}{c1}分布式光伏项目并网发电", "{ps}获评省级绿色低碳示范园区"],
}
UNIVERSITIES = ["江淮理工大学", "东南工业大学", "{city}大学", "中部科技大学", "{city}职业技术学院"]


@dataclass
class Story:
    title: str
    paragraphs: list[str]
    park: tuple[str, str, str]
    day: date
    topic: str
    ctx: dict = field(repr=False)

    @property
    def body(self) -> str:
        return "\n".join(self.paragraphs)


OPENERS = ["今年以来，", "近年来，", "近期，", "下一步，", "目前，", "同时，", "此外，", "据悉，",
           "为此，", "另据了解，", "“十四五”以来，", "截至目前，", ""]
SUBJECTS = ["园区", "{ps}", "管委会", "经济发展局", "招商部门", "园区企业服务中心", "{c1}", "{c2}",
            "各职能部门", "园区投资促进中心", "科技创新局", "园区建设发展集团"]
# Generic sentences are put together from short units (a verb, a modifier, an object; a
# purpose), as stock phrases recur in park news while whole clauses rarely do.
VERBS = ["加快推进", "持续优化", "大力实施", "着力打造", "深入推进", "全面落实", "积极培育",
         "扎实开展", "统筹推进", "加快建设", "不断完善", "持续深化", "稳步推进", "大力发展",
         "用心做好", "认真落实", "全力保障", "重点抓好", "加速布局", "系统谋划", "探索建立",
         "积极争取", "主动对接", "精准实施", "有序推进", "着力提升", "切实加强", "加快构建",
         "持续推动", "创新开展", "高位推动", "全面启动", "健全完善", "规范提升", "同步推进"]
MODIFIERS = ["{ind1}", "{ind2}", "{prod}", "重点", "关键", "园区", "企业", "全链条", "数字化",
             "绿色", "智能化", "新一轮", "高标准", "专业化", "市场化", "区域性", "一体化",
             "综合性", "公共", "标准化", "精细化", "全周期", "{place}方向", "年度", "常态化", ""]
OBJECTS = ["产业链招商", "标准厂房建设", "技术服务平台", "人才引育体系", "要素保障机制",
           "营商环境改革", "项目服务体系", "产学研合作", "产业基金运作", "企业梯度培育",
           "低效用地盘活", "基础设施配套", "安全生产监管", "节能降碳改造", "应急管理体系",
           "招商推介活动", "园区运营管理", "政务服务改革", "金融服务模式", "科技成果转化",
           "创新平台建设", "数据要素流通", "供应链协同", "产业集群培育", "人才公寓建设",
           "生活配套设施", "物流通道建设", "外贸主体培育", "品牌建设工作", "质量提升行动",
           "标准体系建设", "知识产权保护", "信用体系建设", "重大项目储备", "土地集约利用",
           "污水处理设施", "智慧园区建设", "企业上市培育", "银企合作对接", "用工保障服务",
           "技能人才培训", "亩均效益评价", "闲置厂房招租", "项目帮办代办", "危化品运输管理",
           "消防设施改造", "园区道路提升", "入园企业走访", "投资项目审批", "产业用地供应"]
PURPOSE_VERBS = ["不断提升", "持续增强", "加快形成", "全力推动", "进一步激发", "有效降低",
                 "切实提高", "努力打造", "加快实现", "全面提升", "稳步扩大", "持续释放", "着力增强"]
PURPOSE_OBJECTS = ["园区综合竞争力", "产业发展能级", "企业获得感", "市场主体活力", "经济增长新动能",
                   "项目落地效率", "企业综合成本", "服务保障水平", "产业集聚效应", "区域辐射带动力",
                   "发展质量效益", "创新策源能力", "园区承载能力", "招商引资实效", "本质安全水平",
                   "绿色发展底色", "产业链韧性", "要素配置效率", "群众满意度", "开放型经济水平"]


def _action(rng: random.Random, ctx: dict) -> str:
    return (rng.choice(VERBS) + rng.choice(MODIFIERS) + rng.choice(OBJECTS)).format_map(ctx)


def _purpose(rng: random.Random) -> str:
    return rng.choice(PURPOSE_VERBS) + rng.choice(PURPOSE_OBJECTS)


FACTS = [
    "{subj}累计引进{ind1}项目{n}个，总投资{a}亿元", "{subj}新增规上工业企业{n}家",
    "{subj}累计为企业兑现奖补资金{a}亿元，惠及企业{n}家",
    "{subj}累计完成工业投资{a}亿元，同比增长{g}%",
    "{subj}新建标准厂房{n}万平方米，已有{n2}家企业入驻", "{subj}共帮助企业招聘员工{n}人",
    "{subj}累计办理审批事项{n}件，平均办理时限压缩至{n2}个工作日", "{subj}新认定高新技术企业{n}家",
    "{subj}新增发明专利授权{n}件，同比增长{g}%", "{subj}新增融资担保贷款{a}亿元",
    "{c1}全年实现营业收入{a}亿元，同比增长{g}%", "{c2}的{prod}产品市场占有率达到{g}%",
    "{subj}累计盘活低效用地{n}亩", "{subj}园区道路新建改造{n2}公里",
]


def _context(rng: random.Random, park: tuple[str, str, str], day: date) -> dict:
    """An article's names and its lead's facts; ``_figures`` adds fresh numbers for each
    further sentence."""
    full, short, city = park
    quarter = (day.month - 1) // 3
    return {
        "park": full, "ps": short, "city": city, "y": day.year, "y0": rng.randint(1998, 2020),
        "y2": day.year + rng.randint(2, 5), "md": f"{day.month}月{day.day}日",
        "nth": "一二三四五"[rng.randrange(5)],
        "season": ["一季度", "二季度", "三季度", "四季度"][quarter],
        "period": (f"1—{max(day.month - 1, 2)}月" if rng.random() < 0.6
                   else ["一季度", "上半年", "前三季度"][min(quarter, 2)]),
        "c1": firm(rng), "c2": firm(rng), "c3": firm(rng), "p1": person(rng), "p2": person(rng),
        "r1": rng.choice(ROLES), "r2": rng.choice(ROLES), "ind1": rng.choice(INDUSTRIES),
        "ind2": rng.choice(INDUSTRIES), "prod": rng.choice(PRODUCTS), "event": rng.choice(EVENTS),
        "place": rng.choice(PLACES), "dir": rng.choice("东南西北"),
        "univ": rng.choice(UNIVERSITIES).format(city=city),
        "n1": rng.randint(3, 40), "a1": _money(rng, 3, 300), "g1": f"{rng.uniform(1, 40):.1f}",
        **_figures(rng),
    }


def _figures(rng: random.Random) -> dict:
    return {"n2": rng.randint(20, 900), "n3": rng.randint(2, 30), "n4": rng.randint(30, 500),
            "n5": rng.randint(10, 3000), "n6": rng.randint(50, 2000), "a2": _money(rng, 1, 80),
            "a3": _money(rng, 2, 120), "a4": _money(rng, 20, 900),
            "g2": f"{rng.uniform(1, 35):.1f}", "g3": f"{rng.uniform(5, 90):.1f}"}


def _generic(rng: random.Random, ctx: dict) -> str:
    """A sentence put together from an opener, a subject, actions and a purpose, or a
    figure (with numbers of its own)."""
    subject = rng.choice(SUBJECTS).format_map(ctx)
    if rng.random() < 0.4:
        fact = rng.choice(FACTS).format_map(dict(
            ctx, subj=subject, n=rng.randint(3, 600), n2=rng.randint(2, 90),
            a=_money(rng, 0.5, 150), g=f"{rng.uniform(1, 60):.1f}"))
        return rng.choice(OPENERS[:4] + ["截至目前，", "全年，", ""]) + fact + "。"
    actions = "，".join(_action(rng, ctx) for _ in range(rng.randint(1, 3)))
    return rng.choice(OPENERS) + subject + actions + "，" + _purpose(rng) + "。"


def story(rng: random.Random, park: tuple[str, str, str] | None = None,
          day: date | None = None, topic: str | None = None, size: int | None = None,
          shared: bool = True) -> Story:
    """A park-news story of about ``size`` (300–1500) characters: the topic's lead, its
    topic sentences, at most two of the parks' stock sentences (``shared``) and
    generic sentences, in paragraphs of 1–3 sentences, and a closing sentence."""
    park = park or rng.choice(PARKS)
    day = day or date(2023, 1, 1) + timedelta(days=rng.randrange(3 * 365))
    topic = topic or rng.choice(list(LEADS))
    size = size or rng.randint(300, 1500)
    ctx = _context(rng, park, day)
    lead = rng.choice(LEADS[topic]).format_map(ctx)
    closing = rng.choice(CLOSINGS).format_map(dict(ctx, **_figures(rng)))
    templates = rng.sample(TOPIC_SENTENCES[topic], rng.randint(2, len(TOPIC_SENTENCES[topic])))
    if shared:
        templates += rng.sample(SHARED_SENTENCES, rng.randint(0, 2))
    rng.shuffle(templates)
    sentences = [t.format_map(dict(ctx, **_figures(rng))) for t in templates]
    length = len(lead) + len(closing) + sum(map(len, sentences))
    while length < size:
        sentence = _generic(rng, ctx)
        sentences.insert(rng.randint(0, len(sentences)), sentence)
        length += len(sentence)
    while sentences and length > size + 60:
        length -= len(sentences.pop())
    paragraphs = [lead]
    while sentences:
        take = rng.randint(1, 3)
        paragraphs.append("".join(sentences[:take]))
        sentences = sentences[take:]
    paragraphs.append(closing)
    title = rng.choice(TITLES[topic]).format_map(ctx)
    return Story(title, paragraphs, park, day, topic, ctx)


# ------------------------------------------------------------------------------ reposts

LEAD_SWAPS = [("举行", "隆重举行"), ("举办", "成功举办"), ("共签约", "现场共签约"),
              ("正式", ""), ("顺利", ""), ("召开", "组织召开"), ("带队", "率队"),
              ("同比增长", "比上年同期增长"), ("组织", "组织开展"), ("近日，", "日前，"),
              ("总投资", "计划总投资"), ("集中", "")]


def _rewrite_lead(rng: random.Random, lead: str, story: Story) -> str:
    """A portal's own first sentence: other words, the date as 日前 or 'X日'."""
    for old, new in rng.sample(LEAD_SWAPS, 6):
        lead = lead.replace(old, new, 1)
    md = story.ctx["md"]
    if md in lead:
        choice = rng.random()
        if choice < 0.4:
            lead = lead.replace(md, "日前", 1)
        elif choice < 0.7:
            lead = lead.replace(md, f"{story.day.day}日", 1)
        else:
            lead = lead.replace(md, f"{story.day.year}年{md}", 1)
    if rng.random() < 0.4:
        lead = lead.replace(story.ctx["ps"], story.ctx["park"], 1)
    if rng.random() < 0.3 and "，" in lead:  # the clauses in another order
        head, _, tail = lead.rstrip("。").partition("，")
        lead = f"{tail}，{head}。" if "日" not in head else lead
    return lead


def _when(story: Story, rng: random.Random, fmt: int) -> str:
    day = story.day + timedelta(days=rng.choice((0, 1, 1, 2, 3)))
    if fmt == 0:
        return f"{day:%Y-%m-%d}"
    if fmt == 1:
        return f"{day:%Y-%m-%d} {rng.randint(7, 22):02d}:{rng.randint(0, 59):02d}"
    return f"{day.year}年{day.month:02d}月{day.day:02d}日"


FULL_PUNCT = {"，": ",", "。": ".", "：": ":", "；": ";", "（": "(", "）": ")", "！": "!",
              "？": "?", "“": "\"", "”": "\"", "、": ","}


def _edit_source(rng, s, lines, title, src):
    line = rng.choice([f"来源：{src}", f"来源：{src}　{_when(s, rng, 0)}", f"【来源：{src}】",
                       f"文章来源：{src}", f"稿件来源：{s.ctx['ps']}管委会", f"信息来源：{src}",
                       f"来源：{src} 作者：{person(rng)}"])
    if rng.random() < 0.75:
        lines.insert(0, line)
    else:
        lines.append(line)
    return title


def _edit_editor(rng, s, lines, title, src):
    lines.append(rng.choice([f"编辑：{person(rng)}", f"责任编辑：{person(rng)}",
                             f"（责任编辑：{person(rng)}）",
                             f"责编：{person(rng)}　审核：{person(rng)}",
                             f"（编辑 {person(rng)}）", f"[责任编辑:{person(rng)}]",
                             f"编辑：{person(rng)} 校对：{person(rng)}"]))
    return title


def _edit_original_title(rng, s, lines, title, src):
    lines.insert(0, f"原标题：{s.title}")
    return title


def _edit_lead(rng, s, lines, title, src):
    first = _first_text_line(lines)
    lines[first] = _rewrite_lead(rng, lines[first], s)
    return title


def _edit_drop(rng, s, lines, title, src):
    """One paragraph dropped, two from a long story; never the lead, at most 40 % of it."""
    first = _first_text_line(lines)
    body = [i for i in range(first + 1, len(lines)) if len(lines[i]) > 20
            and not lines[i].startswith(("来源", "编辑", "责任编辑", "（", "【", "["))]
    total = sum(len(line) for line in lines)
    count = 2 if len(body) >= 5 and rng.random() < 0.5 else 1
    for index in sorted(rng.sample(body, min(count, len(body))), reverse=True):
        if len(lines[index]) < 0.4 * total:
            total -= len(lines[index])
            del lines[index]
    return title


def _edit_intro(rng, s, lines, title, src):
    first = _first_text_line(lines)
    lead = lines[first]
    intro = rng.choice([f"据{src}消息，", f"{src}讯（记者 {person(rng)}）", "本网讯 ",
                        f"{src}讯（通讯员 {person(rng)} 记者 {person(rng)}）",
                        f"据{s.ctx['ps']}官方微信公众号消息，", f"（{src}）"])
    lines[first] = intro + (lead[lead.index("，") + 1:] if intro.startswith("据") and
                            lead.startswith(s.ctx["md"]) and rng.random() < 0.5 else lead)
    return title


def _edit_punctuation(rng, s, lines, title, src):
    for i, line in enumerate(lines):
        lines[i] = "".join(FULL_PUNCT.get(ch, ch) for ch in line).replace(",", ", ")
    return title


def _edit_digits(rng, s, lines, title, src):
    for i, line in enumerate(lines):
        lines[i] = "".join(chr(ord(ch) + 0xFEE0) if ch.isascii() and ch.isdigit() else ch
                           for ch in line)
    return title


def _edit_meta(rng, s, lines, title, src):
    lines.insert(0, rng.choice([
        f"发布时间：{_when(s, rng, 1)}　来源：{src}　浏览次数：{rng.randint(12, 5000)}",
        f"时间：{_when(s, rng, 2)}　作者：{person(rng)}　点击：{rng.randint(12, 5000)}次",
        f"{_when(s, rng, 1)}　{src}"]))
    return title


def _edit_disclaimer(rng, s, lines, title, src):
    lines.append(rng.choice([f"（本文转自{src}，版权归原作者所有，如有侵权请联系删除。）",
                             "声明：转载此文是出于传递更多信息之目的，若有来源标注错误或侵犯了您的合法权益，请与我们联系。",
                             "点击“阅读原文”了解更多园区资讯", "（完）",
                             f"关注{src}，了解更多园区新闻。"]))
    return title


def _edit_caption(rng, s, lines, title, src):
    where = rng.randint(_first_text_line(lines) + 1, len(lines))
    lines.insert(where, rng.choice(["图为活动现场。", f"图为{s.ctx['c1']}生产车间。",
                                    f"（图片来源：{src}）", "▲活动现场", "图片由园区提供"]))
    return title


def _edit_cut_sentence(rng, s, lines, title, src):
    """A sentence dropped from a paragraph (an abridged copy)."""
    candidates = [i for i, line in enumerate(lines) if line.count("。") >= 2]
    if candidates:
        i = rng.choice(candidates)
        sentences = [x for x in lines[i].split("。") if x]
        del sentences[rng.randrange(1, len(sentences))]
        lines[i] = "。".join(sentences) + "。"
    return title


def _edit_title(rng, s, lines, title, src):
    return rng.choice([f"【园区动态】{title}", f"{s.ctx['ps']}：{title}",
                       title.replace(s.ctx["ps"], s.ctx["park"]), f"{title}（图）",
                       title.split(" ")[0]])


EDITS = {  # name: (edit, weight)
    "source_line": (_edit_source, 6), "editor_line": (_edit_editor, 4),
    "original_title": (_edit_original_title, 2), "rewritten_lead": (_edit_lead, 4),
    "dropped_paragraph": (_edit_drop, 4), "intro": (_edit_intro, 3),
    "punctuation": (_edit_punctuation, 2), "fullwidth_digits": (_edit_digits, 1),
    "meta_line": (_edit_meta, 1), "disclaimer": (_edit_disclaimer, 2),
    "caption": (_edit_caption, 2), "cut_sentence": (_edit_cut_sentence, 2),
    "title": (_edit_title, 3),
}
ORDER = list(EDITS)  # edits apply in this order (traditional characters last)


def _first_text_line(lines: list[str]) -> int:
    for i, line in enumerate(lines):
        if not line.startswith(("来源", "原标题", "发布时间", "时间：", "【来源", "文章来源",
                                "稿件来源", "信息来源")) and not line[:4].isdigit():
            return i
    return 0


def repost(rng: random.Random, s: Story, edits: list[str] | None = None,
           traditional: bool = False) -> tuple[str, str, list[str]]:
    """A portal's copy of a story: ``(title, body, edits applied)``; 2–5 edits drawn by
    weight unless given."""
    if edits is None:
        names, weights = ORDER, [EDITS[n][1] for n in ORDER]
        edits = []
        while len(edits) < rng.randint(2, 5):
            name = rng.choices(names, weights)[0]
            if name not in edits:
                edits.append(name)
    src = media(rng, s.park[2])
    lines, title = list(s.paragraphs), s.title
    for name in sorted(edits, key=ORDER.index):
        title = EDITS[name][0](rng, s, lines, title, src)
    body = "\n".join(lines)
    if traditional:
        body, title = _to_traditional()(body), _to_traditional()(title)
        edits = [*edits, "traditional"]
    return title, body, sorted(edits, key=lambda n: ORDER.index(n) if n in ORDER else 99)


# ------------------------------------------------------------------------ hard negatives

NOTICES = [
    ("关于组织申报{y}年度{ps}科技创新券的通知",
     ["各有关企业：", "为鼓励企业加大研发投入，降低创新成本，根据《{ps}科技创新券管理办法》，"
      "现组织申报"
      "{y}年度科技创新券，有关事项通知如下：",
      "一、申报对象。在{ps}注册登记、具有独立法人资格的科技型中小企业，{py}年度研发费用不低于"
      "{k1}万元。", "二、支持内容。企业购买检验检测、技术开发、知识产权等科技服务的费用，"
      "按实际支出的{k2}%给予补助，单家企业年度补助不超过{k3}万元。",
      "三、申报时间。即日起至{y}年{dm}月{dd}日，逾期不予受理。",
      "四、申报材料。企业申报书、{py}年度财务审计报告、科技服务合同及发票复印件。",
      "联系人：{p1}，联系电话：0{tel}。", "{ps}科技创新局", "{y}年{im}月{id}日"]),
    ("关于开展{y}年度{ps}专精特新中小企业培育库入库申报工作的通知",
     ["各有关企业：", "为加快培育专精特新中小企业，推动园区中小企业高质量发展，现开展{y}年度"
      "专精特新中小企业培育库入库申报工作。",
      "一、申报条件。企业从事特定细分市场时间达到{k4}年以上，{py}年度营业收入不低于{k1}万元，"
      "研发费用占营业收入比重不低于{k5}%。",
      "二、申报方式。符合条件的企业登录园区企业服务平台在线填报，并将纸质材料一式{k6}份报送经济发展局。",
      "三、时间安排。申报截止时间为{y}年{dm}月{dd}日。经审核通过的企业纳入培育库，优先享受园区各项扶持政策。",
      "联系人：{p1}，电话：0{tel}。", "{ps}经济发展局", "{y}年{im}月{id}日"]),
    ("关于申报{y}年度{ps}工业企业技术改造专项资金的通知",
     ["各工业企业：", "根据《{ps}促进制造业高质量发展若干政策》，为支持企业实施智能化改造"
      "和数字化转型，"
      "现就{y}年度技术改造专项资金申报工作通知如下：",
      "一、支持范围。{py}年1月1日以来开工建设、设备投资额在{k1}万元以上的技术改造项目。",
      "二、支持标准。按项目设备投资额的{k2}%给予补助，最高不超过{k3}万元。",
      "三、申报要求。企业对申报材料的真实性负责，对弄虚作假的，取消其{k4}年内申报资格。",
      "请于{y}年{dm}月{dd}日前将申报材料报送至管委会{k6}楼经发局办公室。",
      "联系电话：0{tel}。", "附件：技术改造专项资金申报表"]),
    ("{ps}关于做好{y}年度人才项目申报工作的通知",
     ["各有关单位：", "为深入实施人才强园战略，加快集聚高层次创新创业人才，现启动{y}年度{ps}"
      "人才项目申报工作。", "一、申报类别。包括创新领军人才、创业领军人才、青年拔尖人才三类，"
      "入选者分别给予{k3}万元、{k1}万元、{k5}0万元项目资助。",
      "二、申报条件。申报人年龄一般不超过{k7}周岁，{py}年以来全职到园区企业工作或创办企业。",
      "三、申报时间。{y}年{dm}月{dd}日至{y}年{dm2}月{dd2}日。",
      "四、其他事项。已入选往年人才项目的，不得重复申报。咨询电话：0{tel}。",
      "{ps}党工委组织人事部", "{y}年{im}月{id}日"]),
    ("关于开展{y}年度{ps}安全生产标准化达标创建工作的通知",
     ["各企业：", "为进一步夯实企业安全生产基础，根据上级部署，决定在全园区开展{y}年度"
      "安全生产标准化"
      "达标创建工作。", "一、工作目标。到{y}年底，园区规上工业企业安全生产标准化三级以上达标率达到"
      "{k2}%以上。", "二、工作步骤。企业自评阶段（即日起至{y}年{dm}月{dd}日）；评审阶段；"
      "总结验收阶段。", "三、工作要求。各企业要高度重视，主要负责人亲自抓，确保按时完成创建任务。"
      "{py}年度未完成创建任务的企业，今年须优先完成。", "联系人：{p1}，电话：0{tel}。",
      "{ps}应急管理局", "{y}年{im}月{id}日"]),
]
WEEKLY = ("{ps}第{w}周安全生产情况通报",
          ["本周，{ps}共出动检查人员{x1}人次，检查企业{x2}家，发现一般隐患{x3}处，"
           "已整改{x4}处，整改率{x5}%。", "其中，危险化学品企业{x6}家，发现隐患{x7}处；"
           "建设工地{x8}个，发现隐患{x9}处；人员密集场所{x10}处，发现隐患{x11}处。",
           "本周共开展应急演练{x12}次，参与人员{x13}人次；发布安全提示{x14}条。",
           "下周，园区将继续开展“打非治违”专项行动，重点加强有限空间作业、动火作业等高风险作业监管，"
           "督促企业落实主体责任，确保园区安全生产形势持续稳定。",
           "{ps}安全生产委员会办公室", "{y}年{m}月{d}日"])
MONTHLY = ("{y}年{pm}{ps}经济运行简况",
           ["{pm}，{ps}实现规上工业总产值{x1}亿元，同比增长{x2}%；规上工业增加值同比增长{x3}%。",
            "完成固定资产投资{x4}亿元，同比增长{x5}%，其中工业投资{x6}亿元，同比增长{x7}%。",
            "实现外贸进出口总额{x8}亿元，同比增长{x9}%；实际使用外资{x10}万美元。",
            "完成一般公共预算收入{x11}亿元，同比增长{x12}%；新增市场主体{x13}户。",
            "总体来看，园区经济运行延续稳中有进、稳中向好的发展态势，主要经济指标保持合理区间。"
            "下阶段，园区将紧盯全年目标任务，强化经济运行监测调度，抓好项目建设和企业服务，"
            "推动经济持续回升向好。", "{ps}经济发展局"])
INTRO = ["{park}成立于{fy}年，{uy}年升级为{level}，规划面积{area}平方公里，"
         "是{city}市对外开放的重要窗口"
         "和产业发展的主阵地。",
         "园区现有各类市场主体{ent}余家，其中规上工业企业{big}家、高新技术企业{hi}家，已形成以{ind1}、"
         "{ind2}为主导的现代产业体系。",
         "{py}年，园区实现地区生产总值{gdp}亿元，规上工业总产值{out}亿元，综合实力位居全省同类园区"
         "第{rank}位。"]
OUTRO = ["{ps}将坚持以习近平新时代中国特色社会主义思想为指导，深入贯彻落实党的二十大精神，"
         "全力打造{ind1}产业高地，奋力谱写园区高质量发展新篇章。",
         "欢迎广大企业和投资者来{ps}投资兴业。招商热线：0{tel}。"]
SHORT_ITEMS = [
    ["详见附件。"], ["通知全文详见附件。"], ["附件：1.申报表 2.承诺书"], ["点击下载附件。"],
    ["会议通知：定于{m}月{d}日召开{ps}安全生产工作会议，请各企业负责人准时参加。"],
    ["{ps}关于{fest}放假安排的通知：详见附件。"],
    ["{m}月{d}日，{ps}召开党工委（扩大）会议。"],
    ["{ps}{y}年第{w}期工作简报（详见附件）"],
    ["停电通知：因线路检修，{m}月{d}日8:00至17:00园区{road}路段停电。"],
    ["本栏目暂无内容。"], ["{m}月{d}日，{ps}组织收看安全生产警示教育片。"],
    ["{ps}{y}年{m}月份重点项目进展情况（详见附件）"],
]
FESTIVALS = ["元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"]
LISTS = ["纳税十强企业", "工业企业综合评价A类企业", "专精特新中小企业",
         "高新技术企业培育库入库企业", "“亩均效益”领跑企业", "安全生产标准化达标企业",
         "绿色工厂", "数字化车间", "技术改造示范企业",
         "外贸出口先进企业", "科技型中小企业", "重点监测企业", "优秀民营企业", "守合同重信用企业"]


@dataclass
class Pair:
    id: str
    kind: str  # repost, template_year, periodic, boilerplate, short, company_list
    label: bool  # the same story
    a: str
    b: str
    title_a: str = ""
    title_b: str = ""
    note: str = ""  # the edits of a repost; what differs for a negative


# Each park words its notices and reports its own way: a park's "dialect" takes each of
# these alternatives or not (fixed per park), so that one park's weekly reports share
# their frame and another park's share another.
DIALECT = [("本周", "本周内"), ("检查", "排查"), ("发现", "查出"), ("隐患", "问题隐患"),
           ("整改", "整治"), ("各有关企业", "各相关企业"),
           ("通知如下", "通知如下，请认真做好申报工作"),
           ("申报材料", "申请材料"), ("同比增长", "比上年同期增长"), ("实现", "完成"),
           ("联系电话", "咨询电话"), ("逾期不予受理", "逾期不再受理"), ("给予补助", "给予资金补助"),
           ("不超过", "最高不超过"), ("专项行动", "专项整治行动"), ("下周", "下一步"),
           ("督促", "指导督促"), ("人次", "人（次）"), ("园区", "我区"), ("总体来看", "从总体上看"),
           ("主要经济指标", "各项主要经济指标"), ("重点加强", "着重加强"),
           ("即日起", "自发文之日起"), ("符合条件的企业", "符合申报条件的企业"),
           ("已整改", "已完成整改"), ("其中，", "分领域看，")]


@cache
def _dialect(park_short: str) -> tuple[tuple[str, str], ...]:
    rng = random.Random(f"dialect:{park_short}")
    return tuple(pair for pair in DIALECT if rng.random() < 0.5)


def _fill(lines: list[str], values: dict) -> str:
    text = "\n".join(line.format_map(values) for line in lines)
    for old, new in _dialect(values.get("ps", "")):
        text = text.replace(old, new)
    return text


def _template_year(rng: random.Random, index: int) -> Pair:
    title, lines = NOTICES[index % len(NOTICES)]
    park = rng.choice(PARKS)
    year = rng.randint(2022, 2025)
    same = {"ps": park[1], "p1": person(rng), "tel": _phone(rng),
            "k1": rng.choice((50, 100, 200, 300, 500)), "k2": rng.choice((10, 15, 20, 30)),
            "k3": rng.choice((20, 30, 50, 100, 200)), "k4": rng.randint(2, 5),
            "k5": rng.randint(3, 8), "k6": rng.randint(2, 6), "k7": rng.choice((40, 45, 50))}
    texts = []
    for y in (year, year + 1):
        dm, dd = rng.randint(3, 10), rng.choice((15, 20, 25, 28, 30))
        values = dict(same, y=y, py=y - 1, dm=dm, dd=dd, dm2=dm + 1, dd2=rng.choice((10, 15, 20)),
                      im=max(1, dm - rng.randint(1, 2)), id=rng.randint(1, 28))
        if rng.random() < 0.5:  # some figures change with the year
            values["k3"] = rng.choice((20, 30, 50, 100, 200))
        texts.append((title.format_map(values), _fill(lines, values)))
    return Pair(f"template_year-{index:03d}", "template_year", False, texts[0][1], texts[1][1],
                texts[0][0], texts[1][0], f"{year} vs {year + 1}")


def _periodic(rng: random.Random, index: int) -> Pair:
    park = rng.choice(PARKS)
    year = rng.randint(2023, 2025)
    weekly = index % 2 == 0
    title, lines = WEEKLY if weekly else MONTHLY
    ranges = {"x1": (40, 400), "x2": (20, 200), "x3": (5, 120), "x4": (5, 120), "x5": (60, 100),
              "x6": (3, 40), "x7": (1, 30), "x8": (2, 30), "x9": (1, 40), "x10": (3, 50),
              "x11": (1, 30), "x12": (1, 12), "x13": (30, 900), "x14": (5, 60)} if weekly else {
        f"x{i}": (1, 600) for i in range(1, 14)}
    texts = []
    base = {k: rng.randint(*r) for k, r in ranges.items()}
    week, month = rng.randint(2, 50), rng.randint(3, 11)
    for step in (0, 1):
        values = {k: (v if rng.random() < 0.15 else rng.randint(*ranges[k]))
                  for k, v in base.items()} if step else dict(base)
        if weekly:
            values["x4"] = min(values["x4"], values["x3"])
            values["x5"] = round(100 * values["x4"] / values["x3"])
            day = date(year, 1, 1) + timedelta(days=7 * (week + step) - 2)
            values.update(w=week + step, m=day.month, d=day.day)
        else:
            values = {k: (f"{v / 10:.1f}" if k in ("x2", "x3", "x5", "x7", "x9", "x12") else v)
                      for k, v in values.items()}
            values["pm"] = f"1—{month + step}月"
        values.update(ps=park[1], y=year)
        texts.append((title.format_map(values), _fill(lines, values)))
    what = f"weeks {week}/{week + 1}" if weekly else f"1-{month} vs 1-{month + 1}"
    return Pair(f"periodic-{index:03d}", "periodic", False, texts[0][1], texts[1][1],
                texts[0][0], texts[1][0], what)


def _boilerplate(rng: random.Random, index: int) -> Pair:
    park = rng.choice(PARKS)
    day = date(2023, 1, 1) + timedelta(days=rng.randrange(3 * 365))
    values = {"park": park[0], "ps": park[1], "city": park[2], "fy": rng.randint(1988, 2012),
              "uy": rng.randint(2010, 2020), "level": rng.choice(("国家级经济技术开发区",
                                                                  "国家级高新区", "省级开发区")),
              "area": rng.randint(20, 200), "ent": rng.randint(1000, 9000),
              "big": rng.randint(80, 600), "hi": rng.randint(40, 400), "py": day.year - 1,
              "gdp": rng.randint(200, 2000), "out": rng.randint(300, 3000),
              "rank": rng.randint(1, 20), "ind1": rng.choice(INDUSTRIES),
              "ind2": rng.choice(INDUSTRIES),
              "tel": _phone(rng)}
    intro = [line.format_map(values) for line in INTRO[:rng.randint(1, 3)]]
    outro = [line.format_map(values) for line in OUTRO[:rng.randint(1, 2)]]
    topics = rng.sample(list(LEADS), 2)
    texts = []
    for topic in topics:
        s = story(rng, park=park, day=day, topic=topic, size=rng.randint(150, 700), shared=False)
        texts.append((s.title, "\n".join([s.paragraphs[0], *intro, *s.paragraphs[1:], *outro])))
    return Pair(f"boilerplate-{index:03d}", "boilerplate", False, texts[0][1], texts[1][1],
                texts[0][0], texts[1][0], f"{topics[0]} vs {topics[1]}, "
                f"{len(intro)}+{len(outro)} shared paragraphs")


def _short(rng: random.Random, index: int) -> Pair:
    park = rng.choice(PARKS)
    template = SHORT_ITEMS[index % len(SHORT_ITEMS)]
    texts = []
    for _ in range(2):
        values = {"ps": park[1], "m": rng.randint(1, 12), "d": rng.randint(1, 28),
                  "y": rng.randint(2023, 2025), "w": rng.randint(1, 40),
                  "fest": rng.choice(FESTIVALS),
                  "road": rng.choice(("园区大道", "科技路", "创业路"))}
        texts.append(_fill(template, values))
    return Pair(f"short-{index:03d}", "short", False, texts[0], texts[1], note="short item")


def _company_list(rng: random.Random, index: int) -> Pair:
    park = rng.choice(PARKS)
    year = rng.randint(2023, 2025)
    names = list(dict.fromkeys(firm(rng) for _ in range(80)))
    count = rng.randint(10, 40)
    share = rng.uniform(0.3, 0.9)
    common = names[:round(count * share)]
    rest = iter(names[len(common):])
    kinds = rng.sample(LISTS, 2)
    figures = index % 3 == 0  # a third of the lists give each firm a figure
    texts = []
    for kind in kinds:
        members = common + [next(rest) for _ in range(count - len(common) + rng.randint(-3, 3))]
        if rng.random() < 0.5:
            rng.shuffle(members)
        start = date(year, rng.randint(1, 12), rng.randint(1, 20))
        lines = [f"根据《{park[1]}{kind}认定办法》，经企业申报、部门审核、专家评审，现将{year}年度"
                 f"{park[1]}{kind}名单予以公示，公示期为{start.month}月{start.day}日至"
                 f"{start.month}月{start.day + 7}日。"]
        for number, name in enumerate(members, 1):
            figure = f"　{rng.randint(300, 90000)}万元" if figures else ""
            lines.append(f"{number}. {name}{figure}")
        lines.append(f"公示期间，如有异议，请以书面形式向{park[1]}经济发展局反映。"
                     f"联系电话：0{_phone(rng)}。")
        texts.append((f"{year}年度{park[1]}{kind}名单公示", "\n".join(lines)))
    return Pair(f"company_list-{index:03d}", "company_list", False, texts[0][1], texts[1][1],
                texts[0][0], texts[1][0], f"{count} firms, {share:.0%} shared"
                + (", with figures" if figures else ""))


NEGATIVES = {"template_year": _template_year, "periodic": _periodic,
             "boilerplate": _boilerplate, "short": _short, "company_list": _company_list}
TRADITIONAL_SHARE = 0.05  # of the reposts, in traditional characters
NOTICE_SHARE = 0.1  # of the reposts, of a notice, report or name list rather than a story


def _as_story(rng: random.Random, title: str, body: str) -> Story:
    """A notice, report or list as a ``Story``, so that it can be reposted."""
    park = max((p for p in PARKS if p[1] in title or p[1] in body), key=lambda p: len(p[1]),
               default=PARKS[0])
    year = next((int(m) for m in re.findall(r"(20\d\d)年", title + body)), 2024)
    day = date(year, 1, 1) + timedelta(days=rng.randrange(365))
    ctx = {"md": f"{day.month}月{day.day}日", "ps": park[1], "park": park[0], "city": park[2],
           "c1": firm(rng)}
    return Story(title, body.splitlines(), park, day, "notice", ctx)


def _notice(rng: random.Random, index: int) -> Story:
    kind = ("template_year", "periodic", "company_list")[index % 3]
    pair = NEGATIVES[kind](rng, index)
    return _as_story(rng, pair.title_a, pair.a)


def labelled_pairs(positives: int = 250, negatives: int = 250, seed: int = 7) -> list[Pair]:
    """``positives`` reposts (of stories; ``NOTICE_SHARE`` of them of notices, reports
    and name lists) and ``negatives`` hard negatives (split evenly over the ``NEGATIVES``
    kinds), deterministic for ``seed``."""
    rng = random.Random(f"parknews-dedup-pairs:{seed}")
    pairs = []
    traditional = set(range(0, positives, round(1 / TRADITIONAL_SHARE)))
    notices = set(range(5, positives, round(1 / NOTICE_SHARE)))
    for i in range(positives):
        s = _notice(rng, i) if i in notices else story(rng)
        title, body, edits = repost(rng, s, traditional=i in traditional)
        what = "" if s.topic != "notice" else f"{s.title[:24]}…: "
        pairs.append(Pair(f"repost-{i:03d}", "repost", True, s.body, body, s.title, title,
                          what + "+".join(edits)))
    kinds = list(NEGATIVES)
    for i in range(negatives):
        kind = kinds[i % len(kinds)]
        pairs.append(NEGATIVES[kind](rng, i // len(kinds)))
    return pairs


def _stratum(pair: Pair) -> str:
    if pair.kind != "repost":
        return pair.kind
    if "traditional" in pair.note:
        return "repost, traditional"
    return "repost of a notice" if "…: " in pair.note else "repost"


def subset(pairs: list[Pair], positives: int, negatives: int) -> list[Pair]:
    """A smaller set with the same mix: each label's count shared out over its strata (the
    negative kinds; reposts of stories, of notices, in traditional characters) in
    proportion, evenly spaced pairs within each."""
    chosen = []
    for label, want in ((True, positives), (False, negatives)):
        groups: dict[str, list[Pair]] = {}
        for pair in pairs:
            if pair.label is label:
                groups.setdefault(_stratum(pair), []).append(pair)
        total = sum(map(len, groups.values()))
        shares = {k: want * len(v) / total for k, v in groups.items()}
        counts = {k: int(x) for k, x in shares.items()}
        for k in sorted(shares, key=lambda k: counts[k] - shares[k])[:want - sum(counts.values())]:
            counts[k] += 1
        for key, rows in groups.items():
            chosen += [rows[i * len(rows) // counts[key]] for i in range(counts[key])]
    return chosen


# ------------------------------------------------------------------------------ corpus

SITES_PER_PARK = 1


def sites() -> list[dict]:
    """The park sites and the portals of the corpus (``sites`` rows)."""
    rows = [{"id": f"park{i:02d}", "name": short, "park": full, "region": city,
             "start_urls": [f"http://park{i:02d}.example.cn/"], "updated_at": "2025-01-01"}
            for i, (full, short, city) in enumerate(PARKS)]
    rows += [{"id": f"portal{i:02d}", "name": name, "park": None, "region": None,
              "start_urls": [f"http://portal{i:02d}.example.cn/"], "updated_at": "2025-01-01"}
             for i, name in enumerate(PORTALS)]
    return rows


def _row(number: int, site: str, title: str, body: str, moment: datetime,
         source: str | None, kind: str) -> dict:
    published = moment.isoformat(timespec="seconds")
    return {"url": f"http://{site}.example.cn/news/{moment:%Y%m}/t{number}.html",
            "site_id": site, "title": title, "body": body, "published_at": published,
            "fetched_at": (moment + timedelta(days=3)).isoformat(timespec="seconds"),
            "source": source, "language": "zh", "kind": kind,
            "content_hash": hashlib.blake2b(body.encode(), digest_size=16).hexdigest()}


def corpus(count: int, seed: int = 1, reposts: float = 0.12, families: float = 0.06,
           shorts: float = 0.02, start: int = 0) -> Iterator[dict]:
    """``count`` archive rows: fresh stories, reposts of recent ones (share ``reposts``),
    members of notice/report families (``families``: the same frame, other figures) and
    short items. Rows ``start..start+count`` of the stream for ``seed`` (the stream is
    generated from its beginning, so a later part costs the generation of the earlier)."""
    rng = random.Random(f"parknews-dedup-corpus:{seed}")
    recent: deque[Story] = deque(maxlen=3000)
    first = datetime(2023, 1, 1, 8)
    for number in range(start + count):
        moment = first + timedelta(minutes=11 * number + rng.randrange(600))
        roll = rng.random()
        if roll < reposts and recent:
            s = rng.choice(recent)
            title, body, _ = repost(rng, s, traditional=rng.random() < 0.02)
            site = f"portal{rng.randrange(len(PORTALS)):02d}"
            when = datetime.combine(s.day, datetime.min.time()) + timedelta(
                hours=rng.randint(2, 96))
            row = _row(number, site, title, body, when, s.park[1], "repost")
        elif roll < reposts + families:
            kind = rng.choice(("template_year", "periodic", "company_list"))
            pair = NEGATIVES[kind](rng, number)
            site = f"park{rng.randrange(len(PARKS)):02d}"
            row = _row(number, site, pair.title_a, pair.a, moment, None, kind)
            if rng.random() < 0.3:
                recent.append(_as_story(rng, pair.title_a, pair.a))
        elif roll < reposts + families + shorts:
            pair = _short(rng, number)
            row = _row(number, f"park{rng.randrange(len(PARKS)):02d}", pair.a[:20], pair.a,
                       moment, None, "short")
        else:
            park_no = rng.randrange(len(PARKS))
            s = story(rng, park=PARKS[park_no], day=moment.date())
            recent.append(s)
            row = _row(number, f"park{park_no:02d}", s.title, s.body, moment, None, "story")
        if number >= start:
            yield row
