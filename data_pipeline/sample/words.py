"""The words the ledgers are written with: people's names and the texts of clues and rectification items.

Villages' names are drawn in geography.py, from the parts kept there.
"""

from __future__ import annotations

import numpy as np

SURNAMES = tuple("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方邹熊白孟秦邱侯江尹薛阎段雷黎史龙陶贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN_CHARS = tuple("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文林斌辉鹏飞宇浩然海波春梅秋菊冬雪德福贵荣发祥富顺成立新民生才")

# a clue's 问题摘要 per problem domain, three ways; {place} is its village or else its township
SUMMARY_TEMPLATES = {
    "惠民惠农补贴": ("反映{place}村干部在耕地地力保护补贴发放中虚报面积、套取补贴资金",
                 "反映{place}危房改造补助资金发放不公开、优亲厚友",
                 "反映{place}村干部截留农机购置补贴"),
    '农村集体"三资"': ("反映{place}集体鱼塘承包合同未经村民代表大会表决、承包费长期未收缴",
                   "反映{place}村集体资产出租收入未入账",
                   "反映{place}集体土地征收补偿款分配不公开"),
    "低保特困救助": ("反映{place}村干部为不符合条件的亲属办理低保",
                 "反映{place}特困供养人员资金被挪用",
                 "反映{place}敬老院虚报供养人数套取资金"),
    "乡村振兴项目资金": ("反映{place}乡村振兴产业项目验收走过场、资金使用不规范",
                   "反映{place}道路硬化工程偷工减料",
                   "反映{place}人居环境整治项目虚列支出"),
    "教育医疗": ("反映{place}卫生院医生收受药品回扣",
             "反映{place}学校食堂采购价格虚高",
             "反映{place}村卫生室违规收费、虚开处方套取医保资金"),
    "养老社保": ("反映{place}村干部代领已故人员养老金",
             "反映{place}城乡居民养老保险代缴资金被截留",
             "反映{place}高龄津贴发放不及时、克扣金额"),
    "生态环保": ("反映{place}非法采砂、相关站所监管不力",
             "反映{place}生态公益林补偿资金被挪用",
             "反映{place}畜禽养殖污染长期得不到处理"),
    "执法司法": ("反映{place}执法人员选择性执法、吃拿卡要",
             "反映{place}有关人员违规插手经济纠纷",
             "反映{place}以罚代管、罚没款未及时上缴"),
    "作风问题": ("反映{place}便民服务中心工作人员办事推诿、态度生硬",
             "反映{place}村干部违规操办婚丧喜庆事宜",
             "反映{place}干部工作日午间饮酒"),
    "其他": ("反映{place}村务公开不及时、内容不全",
           "反映{place}村干部履职不到位",
           "反映{place}换届选举中存在拉票行为"),
}
# a rectification item's (问题描述 after its place, 整改措施) per problem category
RECTIFICATION_TEMPLATES = {
    '农村集体"三资"': ("集体资产承包合同不规范、资产底数不清", "清理规范合同，建立资产台账，追缴承包费"),
    "惠民惠农补贴": ("补贴发放公示不到位、对象审核不严", "逐户复核补贴对象，补齐公示，追回违规资金"),
    "低保特困救助": ("低保对象动态管理不到位，存在应退未退", "开展低保对象全面排查，清退不符合条件人员"),
    "乡村振兴项目资金": ("项目资金拨付滞后、验收资料不全", "倒排工期加快拨付，补齐验收资料"),
    "教育医疗": ("卫生院药品采购管理不规范", "建立药品采购集体决策和台账制度"),
    "养老社保": ("已故人员养老金未及时停发", "与民政、医保数据比对，停发并追回"),
    "生态环保": ("河道采砂监管存在空白", "建立巡河制度，落实网格化监管"),
    "执法司法": ("行政执法程序不规范", "开展执法案卷评查，规范执法程序"),
    "作风问题": ("窗口服务“推绕拖”", "推行首问负责和限时办结制度"),
    "其他": ("村务公开不及时", "规范村务公开栏，按月公开"),
    "党的建设": ("基层党组织“三会一课”落实不到位", "制定学习计划，建立督查通报机制"),
    "组织生活": ("组织生活会批评与自我批评不够深入", "重新召开专题组织生活会"),
    "财务管理": ("村级财务报账不及时、票据不规范", "实行村账乡代理，规范票据审核"),
}


def person_names(rng: np.random.Generator, count: int) -> np.ndarray:
    """Return ``count`` random Chinese names: a surname and one or (six times in ten) two given characters."""
    surnames = np.array(SURNAMES)[rng.integers(len(SURNAMES), size=count)]
    first = np.array(GIVEN_CHARS)[rng.integers(len(GIVEN_CHARS), size=count)]
    second = np.array(GIVEN_CHARS)[rng.integers(len(GIVEN_CHARS), size=count)]
    two_chars = rng.random(count) < 0.6
    return np.where(two_chars, np.char.add(np.char.add(surnames, first), second), np.char.add(surnames, first))

