"""Generated Chinese park-news articles for the search benchmark (``benchmarks/search.py``).

Nothing here is real: a vocabulary of a few hundred park-news words (function characters,
park, industry and government words, 亿元 and 同比增长), a long tail of invented company,
park and person names, number tokens (``2023年``, ``35亿元``, ``12.5%``, a few
``5G``/``ＡＩ``), and some rare technical words (钽, 钙钛矿, 磷酸铁锂, 砷化镓 …). Words are
drawn with Zipf–Mandelbrot weights (weight of the word of rank r ∝ 1 / (r + 2.7)), so
的, 园区, 企业 and 发展 occur in most articles and the rare words in a few in a thousand.

Each article: a title of 10–30 characters (often the park's name first), a body of
300–1500 characters with ，。 and paragraph breaks, a 来源 from some 60 sources, a date,
a URL and the bookkeeping columns of ``articles``. The stream is deterministic for a seed
(one ``random.Random`` for the whole corpus, so article i depends on the articles before
it) and is generated row by row: ``articles(n, seed)`` yields tuples and holds nothing.
"""

from __future__ import annotations

import hashlib
import random
import re
from bisect import bisect
from collections.abc import Iterator
from datetime import date, timedelta
from itertools import accumulate

# -- vocabulary, roughly from the most to the least frequent --------------------------------

COMMON = """
的 在 和 园区 企业 发展 项目 了 是 为 产业 建设 将 服务 创新 推动 工作 等 与 对 加快
经济 招商 投资 技术 开展 重点 进行 全面 提升 推进 高新区 管委会 科技 中 并 及 开发区
落地 签约 亿元 同比增长 人才 平台 合作 政策 会议 生产 市场 质量 营商环境 高质量 产业链
集群 制造业 数字化 智能 绿色 低碳 新能源 生物医药 集成电路 新材料 人工智能 以 也 有
累计 实现 完成 持续 加强 优化 深化 强化 打造 培育 引进 聚焦 围绕 坚持 构建 形成 促进
提高 做好 确保 保障 支持 鼓励 参与 组织 召开 举行 举办 出席 讲话 指出 强调 表示 介绍
据了解 目前 今年以来 下一步 同时 其中 此外 近年来 截至 全年 上半年 一季度 二季度 三季度
四季度 负责人 相关 部门 单位 领导 干部 党工委 书记 主任 副主任 局长 工作人员 专家 代表
企业家 职工 群众 基地 中心 研究院 实验室 孵化器 加速器 众创空间 产业园 科技园 工业园
标准厂房 用地 厂房 车间 生产线 设备 产品 订单 产值 营收 税收 利润 出口 进口 外资 内资
固定资产投资 规上工业 工业总产值 增加值 增速 同比 环比 百分点 亩 平方米 万平方米 总投资
总建筑面积 开工 竣工 投产 达产 试生产 封顶 奠基 启用 揭牌 挂牌 授牌 签署 协议 合同
框架 战略合作 产学研 高校 院所 大学 学院 研发 专利 发明专利 知识产权 标准 认证 检测
试点 示范 省级 国家级 市级 区级 重大 重要 关键 核心 骨干 龙头 领军 专精特新 小巨人
独角兽 瞪羚 上市 融资 基金 资本 金融 银行 贷款 担保 补贴 奖励 扶持 兑现 申报 审批 备案
许可 登记 办理 窗口 一站式 全流程 帮办 代办 承诺制 拿地即开工 放管服 改革 营商 环境
安全生产 检查 隐患 整改 消防 应急 演练 防汛 疫情 防控 环保 污染 治理 节能 减排 碳达峰
碳中和 光伏 储能 氢能 风电 充电桩 新能源汽车 动力电池 锂电池 半导体 芯片 晶圆 封装 测试
传感器 机器人 工业互联网 大数据 云计算 物联网 区块链 软件 信息技术 电子信息 通信 光电
激光 精密制造 高端装备 智能制造 医疗器械 创新药 疫苗 检验 食品 纺织 化工 材料 冶金 物流
仓储 跨境电商 电商 现代服务业 总部经济 楼宇经济 文旅 会展 商贸 消费 就业 岗位 招聘
培训 技能 人才公寓 住房 配套 学校 医院 邻里中心 交通 道路 地铁 公交 管网 供电 供水
供气 污水 绿化 景观 规划 设计 施工 监理 验收 交付 运营 管理 考核 评估 调研 走访 座谈
对接 洽谈 考察 参观 观摩 交流 学习 宣讲 宣传 活动 仪式 论坛 峰会 大会 推介会 博览会
展会 大赛 评选 表彰 荣誉 称号 名单 公示 公告 通知 意见 办法 方案 计划 规划纲要 措施
十条 若干 实施 细则 要求 目标 任务 责任 机制 体系 能力 水平 效率 效益 规模 结构 布局
转型 升级 融合 协同 联动 一体化 区域 长三角 粤港澳 大湾区 京津冀 成渝 中部 西部 东北
全省 全市 全区 本地 外地 海外 国际 全球 中国 我国 国内 国外 省委 省政府 市委 市政府 区委
区政府 街道 社区 乡镇 村 个 家 项 次 批 位 名 场 条 座 台 套 件 吨 米 万 亿 千 百 多 余 近
约 超 达 共 均 新 大 高 强 好 快 优 稳 进 实 细 早 准
"""

RARE = """
钽 铌 镓 锗 铟 铼 钇 铱 钯 碲 硒 钒 钨 钼 氘 氚 钙钛矿 磷酸铁锂 砷化镓 碳化硅 氮化镓 石墨烯
蓝宝石 单晶硅 多晶硅 钕铁硼 稀土永磁 液氢 氨氢 甲醇燃料 燕麦 枸杞 沉香 茶叶 丝绸 刺绣
漆器 紫砂 青瓷 鎏金 蹴鞠 麒麟 鲲鹏 饕餮 貔貅 琥珀 翡翠 玳瑁 砗磲 珐琅 榫卯 龙舟 舂米
鹦鹉螺 蜂鸟 鸬鹚 鳜鱼 鲈鱼 鳗鲡 藜麦 荸荠 菱角 芡实 莼菜 茭白 蕨菜 榛子 枇杷 杨梅 黄皮
钛合金 镁合金 铝锂合金 碳纤维 芳纶 聚酰亚胺 光刻胶 靶材 抛光液 溅射 蚀刻 外延片 衬底
"""

# Characters for invented names: places (parks, cities) and firms; surnames and given names.
PLACE_CHARS = ("东西南北中江河湖海山川岭峰泉溪港湾洲岛林松柏桃李梅兰竹菊金银铜玉石宝"
               "华兴盛昌隆泰安宁平康福寿春秋阳明光辉星月云霞虹天龙凤鹤鹏麟澄清源远长永")
FIRM_CHARS = ("华中科瑞博恒泰拓启元睿鼎晟川联禾衡沐航芯微讯通达信创智精诚德正宏伟立新"
              "海天宇嘉润丰祥和合众鑫源盈凯威力美佳欣悦卓越晶锐驰腾飞跃骏捷迅")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN_CHARS = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉俊峰建国志"
PARK_SUFFIXES = ["高新区", "经开区", "开发区", "产业园", "科技城", "工业园区", "综合保税区", "新区"]
FIRM_SUFFIXES = ["科技有限公司", "股份有限公司", "集团", "电子有限公司", "生物科技有限公司",
                 "新材料有限公司", "智能装备有限公司", "半导体有限公司", "医药有限公司"]
MEDIA = ["新华社", "人民网", "中国高新网", "中国开发区网", "科技日报", "经济日报", "中国经济网",
         "央广网", "中新网", "澎湃新闻"]
LATIN = ["5G", "AI", "GDP", "IC", "ＡＩ", "５Ｇ", "EPC", "PPP", "IPO", "R&D"]

ZIPF_OFFSET = 2.7
TABLE_SLOTS = 1 << 21  # resolution of the word draws (the rarest names get one slot)
PUNCTUATION_RUN = re.compile(r"[，。、；]*\n[，。、；\n]*|[，。、；]{2,}")


def _zipf(count: int, total: float) -> list[float]:
    """Zipf–Mandelbrot weights for ranks 0..count-1, summing to ``total``."""
    raw = [1.0 / (rank + 1 + ZIPF_OFFSET) for rank in range(count)]
    scale = total / sum(raw)
    return [w * scale for w in raw]


class Vocabulary:
    """The words and their weights, for bodies and for titles; fixed for a seed."""

    def __init__(self, seed: int):
        rng = random.Random(f"parknews-search-vocab:{seed}")
        common = list(dict.fromkeys(COMMON.split()))
        rare = list(dict.fromkeys(RARE.split()))
        rng.shuffle(rare)
        self.cities = list(dict.fromkeys(
            rng.choice(PLACE_CHARS) + rng.choice(PLACE_CHARS) for _ in range(80)))
        self.parks = list(dict.fromkeys(
            rng.choice(self.cities) + rng.choice(PARK_SUFFIXES) for _ in range(200)))
        firms = list(dict.fromkeys(
            rng.choice(FIRM_CHARS) + rng.choice(FIRM_CHARS) + rng.choice(FIRM_SUFFIXES)
            for _ in range(6000)))
        people = list(dict.fromkeys(
            rng.choice(SURNAMES) + "".join(rng.choice(GIVEN_CHARS)
                                           for _ in range(rng.choice((1, 2))))
            for _ in range(3000)))
        numbers = list(dict.fromkeys(self._number(rng) for _ in range(3000)))
        self.sources = (MEDIA + [c + "日报" for c in self.cities[:25]]
                        + [p + "管委会" for p in self.parks[:25]] + ["园区融媒体中心"])
        self.rare = rare
        # Bodies: words (Zipf), punctuation, names, numbers, rare words. The totals are
        # shares of the tokens drawn (the common words are ~80 % of them).
        body = [(common, _zipf(len(common), 80.0)),
                (["，", "。", "\n", "、", "；", "“", "”"], [9.0, 3.5, 0.3, 1.2, 0.3, 0.4, 0.4]),
                (self.parks, _zipf(len(self.parks), 1.5)),
                (self.cities, _zipf(len(self.cities), 0.8)),
                (firms, _zipf(len(firms), 1.2)),
                (people, _zipf(len(people), 0.8)),
                (numbers, _zipf(len(numbers), 2.5)),
                (LATIN, _zipf(len(LATIN), 0.15)),
                (rare, _zipf(len(rare), 0.12))]
        self.body_table = self._table(body)
        title = [(common[3:], _zipf(len(common) - 3, 80.0)),
                 (self.parks, _zipf(len(self.parks), 6.0)),
                 (firms, _zipf(len(firms), 5.0)),
                 (numbers, _zipf(len(numbers), 3.0)),
                 ([" "], [2.0]),
                 (rare, _zipf(len(rare), 0.3))]
        self.title_table = self._table(title)
        self.park_cum = list(accumulate(_zipf(len(self.parks), 1.0)))
        self.source_cum = list(accumulate(_zipf(len(self.sources), 1.0)))
        self.mean_body_len = self._mean_len(body)
        self.mean_title_len = self._mean_len(title)

    @staticmethod
    def _number(rng: random.Random) -> str:
        kind = rng.randrange(7)
        if kind == 0:
            return f"{rng.randint(2010, 2025)}年"
        if kind == 1:
            return f"{rng.randint(1, 12)}月{rng.randint(1, 28)}日"
        if kind == 2:
            return f"{rng.randint(2, 500)}亿元"
        if kind == 3:
            return f"{rng.randint(10, 9000)}万元"
        if kind == 4:
            return f"{rng.randint(1, 40)}.{rng.randint(0, 9)}%"
        if kind == 5:
            return f"{rng.randint(2, 900)}个"
        return f"{rng.randint(3, 3000)}亩"

    @staticmethod
    def _table(parts: list[tuple[list[str], list[float]]]) -> list[str]:
        """A lookup table: each word as many times as its share of ``TABLE_SLOTS`` (at
        least once), so a draw is one ``table[int(random() * len(table))]``."""
        total = sum(sum(xs) for _, xs in parts)
        return [w for ws, xs in parts for w, x in zip(ws, xs, strict=True)
                for _ in range(max(1, round(x / total * TABLE_SLOTS)))]

    @staticmethod
    def _mean_len(parts: list[tuple[list[str], list[float]]]) -> float:
        total = sum(sum(xs) for _, xs in parts)
        return sum(len(w) * x for ws, xs in parts for w, x in zip(ws, xs, strict=True)) / total


COLUMNS = ("rowid", "url", "site_id", "title", "body", "published_at", "source", "author",
           "fetched_at", "first_seen_at", "checked_at", "content_hash", "status", "version",
           "language")
FIRST_DAY = date(2012, 1, 1)
DAYS = 365 * 14


def _last(match: re.Match[str]) -> str:
    """A run of punctuation becomes its last mark; one with a line break, the break."""
    run = match.group()
    return "\n" if "\n" in run else run[-1]


def site_id(number: int) -> str:
    return f"park{number:03d}"


def sites(seed: int) -> list[tuple[str, str, str, str, str]]:
    """``(id, name, park, region, start_urls)`` of every generated park site."""
    vocab = Vocabulary(seed)
    return [(site_id(i), park + "管委会", park, "", f'["https://{site_id(i)}.example.cn/"]')
            for i, park in enumerate(vocab.parks)]


def articles(count: int, seed: int) -> Iterator[tuple]:
    """``count`` article rows (``COLUMNS`` order; rowid 1..count), deterministic for ``seed``."""
    vocab = Vocabulary(seed)
    rng = random.Random(f"parknews-search-articles:{seed}")
    rand, randint = rng.random, rng.randint
    body_table, body_slots = vocab.body_table, len(vocab.body_table)
    title_table, title_slots = vocab.title_table, len(vocab.title_table)
    tidy = PUNCTUATION_RUN.sub
    body_per_char = 1.0 / vocab.mean_body_len
    title_per_char = 1.0 / vocab.mean_title_len
    parks, park_cum, park_total = vocab.parks, vocab.park_cum, vocab.park_cum[-1]
    sources, source_cum = vocab.sources, vocab.source_cum
    people = [s + g for s in SURNAMES for g in ("伟", "敏", "静", "强", "磊", "洋")]
    for number in range(1, count + 1):
        park_no = bisect(park_cum, rand() * park_total)
        park = parks[park_no]
        size = randint(300, 1500)
        body = ""
        while len(body) < size:
            body += tidy(_last, "".join([
                body_table[int(rand() * body_slots)]
                for _ in range(int((size - len(body)) * body_per_char) + 8)]))
        body = body[:size - 1].strip("，。、；\n ") + "。"
        if len(body) < 300:  # stripped punctuation at the start or end: pad with words
            body = body[:-1] + "园区" * ((301 - len(body)) // 2) + "。"
        size = randint(10, 30)
        title = park if rand() < 0.5 else ""
        while len(title) < size:
            title += "".join([title_table[int(rand() * title_slots)]
                              for _ in range(int((size - len(title)) * title_per_char) + 3)])
        title = title[:size].strip() or park
        if len(title) < 10:
            title = (park + title)[:30]
        day = FIRST_DAY + timedelta(days=(number * 7919) % DAYS)
        ymd = day.strftime("%Y%m%d")
        site = site_id(park_no)
        fetched = f"{day.isoformat()}T08:00:00+00:00"
        yield (number, f"https://{site}.example.cn/xwzx/{ymd[:6]}/t{ymd}_{number}.html", site,
               title, body, day.isoformat(), sources[bisect(source_cum, rand() * source_cum[-1])],
               f"记者 {people[number % len(people)]}" if number % 3 else None, fetched, fetched,
               fetched, hashlib.blake2b(body.encode(), digest_size=16).hexdigest(), "live", 1,
               "zh")
