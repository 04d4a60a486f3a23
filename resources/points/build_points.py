"""Generate ``points.csv``: the acupuncture point catalog used by AcuDesk.

Run ``python resources/points/build_points.py`` after changing anything here; the CSV is the
artefact the program reads, this script is its source.

What is in here:

* the codes and names of the 361 WHO meridian points and of a few extra points (names are
  facts: pinyin, characters and the usual English translation); the Russian names are
  computed from the pinyin by ``palladius.py`` (Palladius transcription, hyphenated);
* per-point depth caps and cautions, each with its source (see SOURCES.md);
* pregnancy-caution flags;
* chart positions, computed from a simple proportional body model instead of being typed in
  one by one.

Chart coordinates
-----------------
The chart is a standing figure, width:height = 1:2.5, arms hanging slightly away from the body,
palms forward, seen from the front or from the back. x and y are normalised to 0..1: top of the
head y = 0, soles y = 1, the midline x = 0.5. For paired points the patient's LEFT point is
stored: x > 0.5 in the front view, x < 0.5 in the back view.

Internally every position is computed in "height units": ``u`` is the distance from the midline
towards the patient's left, ``y`` the distance from the vertex, both as fractions of the body
height. Because the chart is 2.5 times taller than wide, x = 0.5 +/- 2.5 * u.
"""

from __future__ import annotations

import csv
import itertools
import math
import sys
from collections.abc import Callable
from pathlib import Path

from palladius import to_palladius  # resources/points/palladius.py, beside this script

from acudesk.domain.catalog import COLUMNS as CATALOG_COLUMNS

HERE = Path(__file__).resolve().parent
OUT = HERE / "points.csv"

COLUMNS = list(CATALOG_COLUMNS)  # one list of columns, shared with the loader

# ---------------------------------------------------------------------------------------------
# Names. One line per point, in order: pinyin | characters | English.
# ---------------------------------------------------------------------------------------------

NAMES_TEXT: dict[str, str] = {
    "LU": """
        Zhongfu|中府|Middle Palace
        Yunmen|云门|Cloud Gate
        Tianfu|天府|Palace of Heaven
        Xiabai|侠白|Gripping White
        Chize|尺泽|Cubit Marsh
        Kongzui|孔最|Maximum Opening
        Lieque|列缺|Broken Sequence
        Jingqu|经渠|Channel Gutter
        Taiyuan|太渊|Supreme Abyss
        Yuji|鱼际|Fish Border
        Shaoshang|少商|Lesser Shang
    """,
    "LI": """
        Shangyang|商阳|Shang Yang
        Erjian|二间|Second Interval
        Sanjian|三间|Third Interval
        Hegu|合谷|Joining Valley
        Yangxi|阳溪|Yang Stream
        Pianli|偏历|Veering Passage
        Wenliu|温溜|Warm Flow
        Xialian|下廉|Lower Ridge
        Shanglian|上廉|Upper Ridge
        Shousanli|手三里|Arm Three Miles
        Quchi|曲池|Pool at the Crook
        Zhouliao|肘髎|Elbow Crevice
        Shouwuli|手五里|Arm Five Miles
        Binao|臂臑|Upper Arm
        Jianyu|肩髃|Shoulder Bone
        Jugu|巨骨|Great Bone
        Tianding|天鼎|Heaven's Tripod
        Futu|扶突|Support the Prominence
        Kouheliao|口禾髎|Mouth Grain Crevice
        Yingxiang|迎香|Welcome Fragrance
    """,
    "ST": """
        Chengqi|承泣|Container of Tears
        Sibai|四白|Four Whites
        Juliao|巨髎|Great Crevice
        Dicang|地仓|Earth Granary
        Daying|大迎|Great Reception
        Jiache|颊车|Jaw Bone
        Xiaguan|下关|Below the Joint
        Touwei|头维|Head Corner
        Renying|人迎|Man's Welcome
        Shuitu|水突|Water Prominence
        Qishe|气舍|Abode of Qi
        Quepen|缺盆|Empty Basin
        Qihu|气户|Qi Door
        Kufang|库房|Storehouse
        Wuyi|屋翳|Roof
        Yingchuang|膺窗|Breast Window
        Ruzhong|乳中|Middle of the Breast
        Rugen|乳根|Root of the Breast
        Burong|不容|Not Contained
        Chengman|承满|Supporting Fullness
        Liangmen|梁门|Beam Gate
        Guanmen|关门|Pass Gate
        Taiyi|太乙|Supreme Unity
        Huaroumen|滑肉门|Slippery Flesh Gate
        Tianshu|天枢|Heaven's Pivot
        Wailing|外陵|Outer Mound
        Daju|大巨|The Great
        Shuidao|水道|Water Passage
        Guilai|归来|Return
        Qichong|气冲|Rushing Qi
        Biguan|髀关|Thigh Gate
        Futu|伏兔|Crouching Rabbit
        Yinshi|阴市|Yin Market
        Liangqiu|梁丘|Ridge Mound
        Dubi|犊鼻|Calf's Nose
        Zusanli|足三里|Leg Three Miles
        Shangjuxu|上巨虚|Upper Great Void
        Tiaokou|条口|Lines Opening
        Xiajuxu|下巨虚|Lower Great Void
        Fenglong|丰隆|Abundant Bulge
        Jiexi|解溪|Stream Divide
        Chongyang|冲阳|Rushing Yang
        Xiangu|陷谷|Sunken Valley
        Neiting|内庭|Inner Courtyard
        Lidui|厉兑|Strict Exchange
    """,
    "SP": """
        Yinbai|隐白|Hidden White
        Dadu|大都|Great Metropolis
        Taibai|太白|Supreme White
        Gongsun|公孙|Grandfather Grandson
        Shangqiu|商丘|Shang Mound
        Sanyinjiao|三阴交|Three Yin Intersection
        Lougu|漏谷|Leaking Valley
        Diji|地机|Earth Pivot
        Yinlingquan|阴陵泉|Yin Mound Spring
        Xuehai|血海|Sea of Blood
        Jimen|箕门|Winnowing Gate
        Chongmen|冲门|Rushing Gate
        Fushe|府舍|Abode of the Fu
        Fujie|腹结|Abdomen Knot
        Daheng|大横|Great Horizontal
        Fuai|腹哀|Abdomen Sorrow
        Shidou|食窦|Food Cavity
        Tianxi|天溪|Heavenly Stream
        Xiongxiang|胸乡|Chest Village
        Zhourong|周荣|Encircling Glory
        Dabao|大包|Great Wrapping
    """,
    "HT": """
        Jiquan|极泉|Summit Spring
        Qingling|青灵|Blue-Green Spirit
        Shaohai|少海|Lesser Sea
        Lingdao|灵道|Spirit Path
        Tongli|通里|Penetrating the Interior
        Yinxi|阴郄|Yin Cleft
        Shenmen|神门|Spirit Gate
        Shaofu|少府|Lesser Palace
        Shaochong|少冲|Lesser Rushing
    """,
    "SI": """
        Shaoze|少泽|Lesser Marsh
        Qiangu|前谷|Front Valley
        Houxi|后溪|Back Stream
        Wangu|腕骨|Wrist Bone
        Yanggu|阳谷|Yang Valley
        Yanglao|养老|Support the Aged
        Zhizheng|支正|Branch to the Correct
        Xiaohai|小海|Small Sea
        Jianzhen|肩贞|True Shoulder
        Naoshu|臑俞|Upper Arm Shu
        Tianzong|天宗|Heavenly Gathering
        Bingfeng|秉风|Grasping the Wind
        Quyuan|曲垣|Crooked Wall
        Jianwaishu|肩外俞|Outer Shoulder Shu
        Jianzhongshu|肩中俞|Middle Shoulder Shu
        Tianchuang|天窗|Heavenly Window
        Tianrong|天容|Heavenly Appearance
        Quanliao|颧髎|Cheek Bone Crevice
        Tinggong|听宫|Palace of Hearing
    """,
    "BL": """
        Jingming|睛明|Bright Eyes
        Cuanzhu|攒竹|Gathered Bamboo
        Meichong|眉冲|Eyebrow Ascension
        Qucha|曲差|Deviating Curve
        Wuchu|五处|Fifth Place
        Chengguang|承光|Receiving Light
        Tongtian|通天|Heavenly Connection
        Luoque|络却|Declining Connection
        Yuzhen|玉枕|Jade Pillow
        Tianzhu|天柱|Celestial Pillar
        Dazhu|大杼|Great Shuttle
        Fengmen|风门|Wind Gate
        Feishu|肺俞|Lung Shu
        Jueyinshu|厥阴俞|Jueyin Shu
        Xinshu|心俞|Heart Shu
        Dushu|督俞|Governor Shu
        Geshu|膈俞|Diaphragm Shu
        Ganshu|肝俞|Liver Shu
        Danshu|胆俞|Gall Bladder Shu
        Pishu|脾俞|Spleen Shu
        Weishu|胃俞|Stomach Shu
        Sanjiaoshu|三焦俞|Sanjiao Shu
        Shenshu|肾俞|Kidney Shu
        Qihaishu|气海俞|Sea of Qi Shu
        Dachangshu|大肠俞|Large Intestine Shu
        Guanyuanshu|关元俞|Gate of Origin Shu
        Xiaochangshu|小肠俞|Small Intestine Shu
        Pangguangshu|膀胱俞|Bladder Shu
        Zhonglushu|中膂俞|Mid-Spine Shu
        Baihuanshu|白环俞|White Ring Shu
        Shangliao|上髎|Upper Crevice
        Ciliao|次髎|Second Crevice
        Zhongliao|中髎|Middle Crevice
        Xialiao|下髎|Lower Crevice
        Huiyang|会阳|Meeting of Yang
        Chengfu|承扶|Hold and Support
        Yinmen|殷门|Gate of Abundance
        Fuxi|浮郄|Floating Cleft
        Weiyang|委阳|Outside of the Crook
        Weizhong|委中|Middle of the Crook
        Fufen|附分|Attached Branch
        Pohu|魄户|Door of the Corporeal Soul
        Gaohuang|膏肓|Vital Region
        Shentang|神堂|Spirit Hall
        Yixi|譩譆|Yi Xi
        Geguan|膈关|Diaphragm Gate
        Hunmen|魂门|Gate of the Ethereal Soul
        Yanggang|阳纲|Yang Headrope
        Yishe|意舍|Abode of Thought
        Weicang|胃仓|Stomach Granary
        Huangmen|肓门|Vitals Gate
        Zhishi|志室|Will Chamber
        Baohuang|胞肓|Bladder's Vitals
        Zhibian|秩边|Order's Edge
        Heyang|合阳|Confluence of Yang
        Chengjin|承筋|Support the Sinews
        Chengshan|承山|Support the Mountain
        Feiyang|飞扬|Soaring Upwards
        Fuyang|跗阳|Instep Yang
        Kunlun|昆仑|Kunlun Mountains
        Pushen|仆参|Subservient Visitor
        Shenmai|申脉|Extending Vessel
        Jinmen|金门|Golden Gate
        Jinggu|京骨|Capital Bone
        Shugu|束骨|Binding Bone
        Zutonggu|足通谷|Foot Connecting Valley
        Zhiyin|至阴|Reaching Yin
    """,
    "KI": """
        Yongquan|涌泉|Gushing Spring
        Rangu|然谷|Blazing Valley
        Taixi|太溪|Great Stream
        Dazhong|大钟|Great Bell
        Shuiquan|水泉|Water Spring
        Zhaohai|照海|Shining Sea
        Fuliu|复溜|Returning Current
        Jiaoxin|交信|Exchange Belief
        Zhubin|筑宾|Guest House
        Yingu|阴谷|Yin Valley
        Henggu|横骨|Pubic Bone
        Dahe|大赫|Great Manifestation
        Qixue|气穴|Qi Cave
        Siman|四满|Fourfold Fullness
        Zhongzhu|中注|Middle Flow
        Huangshu|肓俞|Vitals Shu
        Shangqu|商曲|Shang Bend
        Shiguan|石关|Stone Pass
        Yindu|阴都|Yin Metropolis
        Futonggu|腹通谷|Abdomen Connecting Valley
        Youmen|幽门|Dark Gate
        Bulang|步廊|Walking on the Veranda
        Shenfeng|神封|Spirit Seal
        Lingxu|灵墟|Spirit Burial Ground
        Shencang|神藏|Spirit Storehouse
        Yuzhong|彧中|Comfortable Chest
        Shufu|俞府|Shu Mansion
    """,
    "PC": """
        Tianchi|天池|Heavenly Pool
        Tianquan|天泉|Heavenly Spring
        Quze|曲泽|Marsh at the Crook
        Ximen|郄门|Cleft Gate
        Jianshi|间使|Intermediary Courier
        Neiguan|内关|Inner Pass
        Daling|大陵|Great Mound
        Laogong|劳宫|Palace of Toil
        Zhongchong|中冲|Middle Rushing
    """,
    "TE": """
        Guanchong|关冲|Passage Gate
        Yemen|液门|Fluid Gate
        Zhongzhu|中渚|Middle Islet
        Yangchi|阳池|Yang Pool
        Waiguan|外关|Outer Pass
        Zhigou|支沟|Branch Ditch
        Huizong|会宗|Ancestral Meeting
        Sanyangluo|三阳络|Three Yang Luo
        Sidu|四渎|Four Rivers
        Tianjing|天井|Heavenly Well
        Qinglengyuan|清冷渊|Clear Cold Abyss
        Xiaoluo|消泺|Dispersing Luo River
        Naohui|臑会|Upper Arm Meeting
        Jianliao|肩髎|Shoulder Crevice
        Tianliao|天髎|Heavenly Crevice
        Tianyou|天牖|Window of Heaven
        Yifeng|翳风|Wind Screen
        Chimai|瘈脉|Spasm Vessel
        Luxi|颅息|Skull's Rest
        Jiaosun|角孙|Minute Angle
        Ermen|耳门|Ear Gate
        Erheliao|耳和髎|Ear Harmony Crevice
        Sizhukong|丝竹空|Silk Bamboo Hollow
    """,
    "GB": """
        Tongziliao|瞳子髎|Pupil Crevice
        Tinghui|听会|Meeting of Hearing
        Shangguan|上关|Above the Joint
        Hanyan|颔厌|Jaw Serenity
        Xuanlu|悬颅|Suspended Skull
        Xuanli|悬厘|Suspended Hair
        Qubin|曲鬓|Crook of the Temple
        Shuaigu|率谷|Leading Valley
        Tianchong|天冲|Heavenly Rushing
        Fubai|浮白|Floating White
        Touqiaoyin|头窍阴|Head Portal Yin
        Wangu|完骨|Mastoid Process
        Benshen|本神|Root of the Spirit
        Yangbai|阳白|Yang White
        Toulinqi|头临泣|Head Governor of Tears
        Muchuang|目窗|Window of the Eye
        Zhengying|正营|Upright Nutrition
        Chengling|承灵|Spirit Support
        Naokong|脑空|Brain Hollow
        Fengchi|风池|Wind Pool
        Jianjing|肩井|Shoulder Well
        Yuanye|渊腋|Armpit Abyss
        Zhejin|辄筋|Sinew Seat
        Riyue|日月|Sun and Moon
        Jingmen|京门|Capital Gate
        Daimai|带脉|Girdling Vessel
        Wushu|五枢|Fifth Pivot
        Weidao|维道|Linking Path
        Juliao|居髎|Squatting Crevice
        Huantiao|环跳|Jumping Circle
        Fengshi|风市|Wind Market
        Zhongdu|中渎|Middle Ditch
        Xiyangguan|膝阳关|Knee Yang Gate
        Yanglingquan|阳陵泉|Yang Mound Spring
        Yangjiao|阳交|Yang Intersection
        Waiqiu|外丘|Outer Hill
        Guangming|光明|Bright Light
        Yangfu|阳辅|Yang Assistance
        Xuanzhong|悬钟|Suspended Bell
        Qiuxu|丘墟|Hill Ruins
        Zulinqi|足临泣|Foot Governor of Tears
        Diwuhui|地五会|Earth Five Meetings
        Xiaxi|侠溪|Clamped Stream
        Zuqiaoyin|足窍阴|Foot Portal Yin
    """,
    "LR": """
        Dadun|大敦|Great Pile
        Xingjian|行间|Moving Between
        Taichong|太冲|Great Rushing
        Zhongfeng|中封|Middle Seal
        Ligou|蠡沟|Woodworm Canal
        Zhongdu|中都|Middle Capital
        Xiguan|膝关|Knee Joint
        Ququan|曲泉|Spring at the Crook
        Yinbao|阴包|Yin Wrapping
        Zuwuli|足五里|Leg Five Miles
        Yinlian|阴廉|Yin Corner
        Jimai|急脉|Urgent Pulse
        Zhangmen|章门|Completion Gate
        Qimen|期门|Cycle Gate
    """,
    "GV": """
        Changqiang|长强|Long Strong
        Yaoshu|腰俞|Lumbar Shu
        Yaoyangguan|腰阳关|Lumbar Yang Gate
        Mingmen|命门|Gate of Life
        Xuanshu|悬枢|Suspended Pivot
        Jizhong|脊中|Centre of the Spine
        Zhongshu|中枢|Central Pivot
        Jinsuo|筋缩|Sinew Contraction
        Zhiyang|至阳|Reaching Yang
        Lingtai|灵台|Spirit Tower
        Shendao|神道|Spirit Path
        Shenzhu|身柱|Body Pillar
        Taodao|陶道|Way of Happiness
        Dazhui|大椎|Great Vertebra
        Yamen|哑门|Gate of Muteness
        Fengfu|风府|Wind Palace
        Naohu|脑户|Brain's Door
        Qiangjian|强间|Unyielding Space
        Houding|后顶|Behind the Crown
        Baihui|百会|Hundred Meetings
        Qianding|前顶|In Front of the Crown
        Xinhui|囟会|Fontanel Meeting
        Shangxing|上星|Upper Star
        Shenting|神庭|Spirit Courtyard
        Suliao|素髎|White Crevice
        Shuigou|水沟|Water Trough
        Duiduan|兑端|Extremity of the Mouth
        Yinjiao|龈交|Gum Intersection
    """,
    "CV": """
        Huiyin|会阴|Meeting of Yin
        Qugu|曲骨|Curved Bone
        Zhongji|中极|Middle Pole
        Guanyuan|关元|Gate of Origin
        Shimen|石门|Stone Gate
        Qihai|气海|Sea of Qi
        Yinjiao|阴交|Yin Intersection
        Shenque|神阙|Spirit Gateway
        Shuifen|水分|Water Separation
        Xiawan|下脘|Lower Epigastrium
        Jianli|建里|Interior Strengthening
        Zhongwan|中脘|Middle Epigastrium
        Shangwan|上脘|Upper Epigastrium
        Juque|巨阙|Great Palace
        Jiuwei|鸠尾|Turtledove Tail
        Zhongting|中庭|Central Courtyard
        Danzhong|膻中|Chest Centre
        Yutang|玉堂|Jade Hall
        Zigong|紫宫|Purple Palace
        Huagai|华盖|Magnificent Canopy
        Xuanji|璇玑|Jade Pivot
        Tiantu|天突|Heaven's Chimney
        Lianquan|廉泉|Corner Spring
        Chengjiang|承浆|Container of Fluids
    """,
}

EXPECTED_COUNTS = {
    "LU": 11,
    "LI": 20,
    "ST": 45,
    "SP": 21,
    "HT": 9,
    "SI": 19,
    "BL": 67,
    "KI": 27,
    "PC": 9,
    "TE": 23,
    "GB": 44,
    "LR": 14,
    "GV": 28,
    "CV": 24,
}
MIDLINE_MERIDIANS = {"GV", "CV"}

# Extra points: code -> (pinyin, characters, English, bilateral). Numbering follows the WHO
# standard locations (2008). EX-B2 (Huatuojiaji) is expanded per level further down.
EXTRA_NAMES: dict[str, tuple[str, str, str, bool]] = {
    "EX-HN1": ("Sishencong", "四神聪", "Four Alert Spirit (group of four around GV20)", False),
    "EX-HN3": ("Yintang", "印堂", "Hall of Impression", False),
    "EX-HN4": ("Yuyao", "鱼腰", "Fish Waist", True),
    "EX-HN5": ("Taiyang", "太阳", "Supreme Yang", True),
    "EX-HN14": ("Yiming", "翳明", "Shielding Brightness", True),
    "EX-HN15": ("Jingbailao", "颈百劳", "Neck's Hundred Taxations", True),
    "EX-B1": ("Dingchuan", "定喘", "Calm Dyspnoea", True),
    "EX-B3": ("Weiwanxiashu", "胃脘下俞", "Stomach Controller Lower Shu", True),
    "EX-B4": ("Pigen", "痞根", "Glomus Root", True),
    "EX-B5": ("Xiajishu", "下极俞", "Lower Extremity Shu", False),
    "EX-B6": ("Yaoyi", "腰宜", "Lumbar Suitability", True),
    "EX-B7": ("Yaoyan", "腰眼", "Lumbar Eyes", True),
    "EX-B8": ("Shiqizhui", "十七椎", "Seventeenth Vertebra", False),
    "EX-B9": ("Yaoqi", "腰奇", "Lumbar Curiosity", False),
    "EX-UE8": ("Wailaogong", "外劳宫", "Outer Palace of Toil", True),
}

# Russian names (the `russian` column) are the Palladius transcription of the pinyin, one
# hyphenated syllable per character (palladius.py). Where the pinyin column is a plain-ASCII
# spelling that loses a sound, the full reading is given here for the transcription only.
PALLADIUS_READING: dict[str, str] = {
    "BL29": "Zhonglüshu",  # 膂 is lǚ (WHO: Zhonglüshu); Russian books: чжун-люй-шу
}

THORACIC = [f"T{n}" for n in range(1, 13)]
LUMBAR = [f"L{n}" for n in range(1, 6)]
JIAJI_LEVELS = THORACIC + LUMBAR

# ---------------------------------------------------------------------------------------------
# Body model (height units: y down from the vertex, u towards the patient's left).
# ---------------------------------------------------------------------------------------------

VERTEX_Y = 0.004  # the top of the scalp, drawn just inside the figure's outline

# Horizontal cun on the trunk. The back uses the 3-cun scapula-to-midline distance, the front
# the 8-cun distance between the nipples.
CUN_BACK = 0.0145
CUN_FRONT = 0.0135
CUN_ABDOMEN_V = 0.0145  # vertical cun: 8 cun xiphisternal junction -> umbilicus
CUN_HEAD = 0.0088  # horizontal cun over the forehead and scalp, projected

# Tips of the spinous processes, back view. Thoracic vertebrae are about 0.0137 of body height
# apart, lumbar about 0.0205; C7 sits at the base of the neck, L4 at the level of the iliac
# crests, the sacrum and coccyx end near the level of the pubic symphysis.
SPINOUS: dict[str, float] = {"C2": 0.121}
for _i, _lvl in enumerate(["C3", "C4", "C5", "C6", "C7"], start=1):
    SPINOUS[_lvl] = 0.121 + _i * 0.0088
SPINOUS["T1"] = 0.177
for _i, _lvl in enumerate(THORACIC[1:], start=1):
    SPINOUS[_lvl] = 0.177 + _i * 0.0137
for _i, _lvl in enumerate(LUMBAR, start=1):
    SPINOUS[_lvl] = SPINOUS["T12"] + _i * 0.0205
SPINOUS["S1"] = 0.447
LEVEL_ORDER = ["C2", "C3", "C4", "C5", "C6", "C7", *THORACIC, *LUMBAR, "S1"]

# Posterior sacral foramina: level y and distance from the midline.
SACRAL_FORAMEN = {
    1: (0.447, 1.0 * CUN_BACK),
    2: (0.459, 0.9 * CUN_BACK),
    3: (0.470, 0.8 * CUN_BACK),
    4: (0.480, 0.7 * CUN_BACK),
}
SACRAL_HIATUS_Y = 0.488
COCCYX_TIP_Y = 0.505

# Front: intercostal spaces (level on the chest) and the umbilicus.
ICS = {1: 0.197, 2: 0.220, 3: 0.243, 4: 0.266, 5: 0.289, 6: 0.312, 7: 0.335}
UMBILICUS_Y = 0.405
MIDAXILLARY_U = 0.096

# Head: anterior hairline in the front view, posterior hairline in the back view.
HAIRLINE_FRONT_Y = 0.032  # 5 cun in front of the vertex
HAIRLINE_BACK_Y = 0.125  # 7 cun behind the vertex

# Arm, hanging slightly away from the trunk: (y, centre u, half width).
ARM = [(0.190, 0.112, 0.024), (0.365, 0.138, 0.020), (0.480, 0.150, 0.014)]
AXILLARY_FOLD_Y = 0.225
ELBOW_Y = 0.365
WRIST_Y = 0.480
CUN_UPPER_ARM = (ELBOW_Y - AXILLARY_FOLD_Y) / 9  # axillary fold -> elbow crease = 9 cun
CUN_FOREARM = (WRIST_Y - ELBOW_Y) / 12  # elbow crease -> wrist crease = 12 cun
HAND_LENGTH = 0.110
# Hand: (t along the hand from the wrist crease 0 to the middle fingertip 1, half width).
HAND_WIDTH = [(0.0, 0.018), (0.5, 0.021), (1.0, 0.016)]

# Leg: (y, centre u, half width).
LEG = [
    (0.480, 0.058, 0.045),
    (0.650, 0.053, 0.036),
    (0.725, 0.050, 0.028),
    (0.800, 0.048, 0.030),
    (0.930, 0.045, 0.020),
    (0.960, 0.045, 0.020),
]
POPLITEAL_Y = 0.730
PATELLA_BASE_Y = 0.700
LATERAL_MALLEOLUS_Y = 0.955
MEDIAL_MALLEOLUS_Y = 0.950
MEDIAL_CONDYLE_Y = 0.745
PUBIS_Y = UMBILICUS_Y + 5 * CUN_ABDOMEN_V
CUN_THIGH = (POPLITEAL_Y - 0.480) / 19  # greater trochanter -> popliteal crease = 19 cun
CUN_LEG_LATERAL = (LATERAL_MALLEOLUS_Y - POPLITEAL_Y) / 16
CUN_LEG_MEDIAL = (MEDIAL_MALLEOLUS_Y - MEDIAL_CONDYLE_Y) / 13
CUN_THIGH_POSTERIOR = (POPLITEAL_Y - 0.525) / 14  # gluteal fold -> popliteal crease = 14 cun

Pos = tuple[str, float, float]  # (view, u, y)


def lerp(a: float, b: float, t: float) -> float:
    return a + (b - a) * t


def _piecewise(table: list[tuple[float, float, float]], y: float) -> tuple[float, float]:
    """Centre and half width of a limb at height y."""
    if y <= table[0][0]:
        return table[0][1], table[0][2]
    for (y0, c0, w0), (y1, c1, w1) in itertools.pairwise(table):
        if y <= y1:
            t = (y - y0) / (y1 - y0)
            return lerp(c0, c1, t), lerp(w0, w1, t)
    return table[-1][1], table[-1][2]


def front(u: float, y: float) -> Pos:
    return ("front", u, y)


def back(u: float, y: float) -> Pos:
    return ("back", u, y)


def below(level: str) -> float:
    """y of the depression below the spinous process of ``level``."""
    i = LEVEL_ORDER.index(level)
    return (SPINOUS[level] + SPINOUS[LEVEL_ORDER[i + 1]]) / 2


def paraspinal(cun: float, y: float) -> Pos:
    return back(cun * CUN_BACK, y)


def chest(cun: float, space: int) -> Pos:
    return front(cun * CUN_FRONT, ICS[space])


def abdomen(cun: float, above_umbilicus: float) -> Pos:
    return front(cun * CUN_FRONT, UMBILICUS_Y - above_umbilicus * CUN_ABDOMEN_V)


def scalp_front(lateral_cun: float, behind_hairline: float) -> Pos:
    y = lerp(HAIRLINE_FRONT_Y, VERTEX_Y, behind_hairline / 5)
    return front(lateral_cun * CUN_HEAD, y)


def scalp_back(lateral_cun: float, above_hairline: float) -> Pos:
    y = lerp(HAIRLINE_BACK_Y, VERTEX_Y, above_hairline / 7)
    return back(lateral_cun * CUN_HEAD, y)


def arm(y: float, across: float) -> tuple[float, float]:
    """across: -1 ulnar (towards the trunk) .. +1 radial (away from it)."""
    centre, half = _piecewise(ARM, y)
    return centre + across * half, y


def upper_arm(view: str, above_elbow: float, across: float) -> Pos:
    u, y = arm(ELBOW_Y - above_elbow * CUN_UPPER_ARM, across)
    return (view, u, y)


def forearm(view: str, above_wrist: float, across: float) -> Pos:
    u, y = arm(WRIST_Y - above_wrist * CUN_FOREARM, across)
    return (view, u, y)


def hand(view: str, t: float, across: float) -> Pos:
    """t: 0 at the wrist crease .. 1 at the middle fingertip; across as for the arm.

    The thumb lies on the radial side (across > 1) in the anatomical position.
    """
    centre = ARM[-1][1] + 0.004 * t
    if t <= 0.5:
        half = lerp(HAND_WIDTH[0][1], HAND_WIDTH[1][1], t / 0.5)
    else:
        half = lerp(HAND_WIDTH[1][1], HAND_WIDTH[2][1], (t - 0.5) / 0.5)
    return (view, centre + across * half, WRIST_Y + t * HAND_LENGTH)


def leg(view: str, y: float, across: float) -> Pos:
    """across: -1 medial .. +1 lateral."""
    centre, half = _piecewise(LEG, y)
    return (view, centre + across * half, y)


def foot(t: float, ray: float) -> Pos:
    """Dorsum of the foot seen from the front (strongly foreshortened).

    t: 0 at the ankle crease .. 1 at the toe tips; ray: 1 big toe .. 5 little toe, fractions
    for the spaces between.
    """
    spacing = lerp(0.007, 0.011, t)
    u = lerp(0.045, 0.046, t) + (ray - 3) * spacing
    return front(u, 0.955 + 0.043 * t)


# ---------------------------------------------------------------------------------------------
# Positions.
# ---------------------------------------------------------------------------------------------

POS: dict[str, Pos] = {}


def put(code: str, pos: Pos) -> None:
    if code in POS:
        raise SystemExit(f"position of {code} given twice")
    POS[code] = pos


def place_lung() -> None:
    put("LU1", chest(6, 1))
    put("LU2", front(6 * CUN_FRONT, 0.184))
    put("LU3", upper_arm("front", 6, 0.55))
    put("LU4", upper_arm("front", 5, 0.55))
    put("LU5", forearm("front", 12, 0.45))
    put("LU6", forearm("front", 7, 0.6))
    put("LU7", forearm("front", 1.5, 0.9))
    put("LU8", forearm("front", 1, 0.7))
    put("LU9", forearm("front", 0, 0.7))
    put("LU10", hand("front", 0.2, 1.0))
    put("LU11", hand("front", 0.5, 1.45))


def place_large_intestine() -> None:
    put("LI1", hand("back", 0.92, 0.53))
    put("LI2", hand("back", 0.57, 0.55))
    put("LI3", hand("back", 0.47, 0.62))
    put("LI4", hand("back", 0.30, 0.80))
    put("LI5", forearm("back", 0, 1.0))
    for n, above_wrist in [(6, 3), (7, 5), (8, 8), (9, 9), (10, 10)]:
        put(f"LI{n}", forearm("back", above_wrist, 0.85))
    put("LI11", forearm("back", 12, 1.0))
    put("LI12", upper_arm("back", 1, 1.0))
    put("LI13", upper_arm("back", 3, 0.9))
    put("LI14", upper_arm("back", 7, 0.8))
    put("LI15", front(0.121, 0.188))
    put("LI16", back(0.105, 0.177))
    put("LI17", front(0.032, 0.152))
    put("LI18", front(0.026, 0.140))
    put("LI19", front(0.008, 0.0887))
    put("LI20", front(0.012, 0.083))


def place_stomach() -> None:
    face = {
        1: (0.0185, 0.066),
        2: (0.0185, 0.071),
        3: (0.0185, 0.083),
        4: (0.019, 0.097),
        5: (0.031, 0.112),
        6: (0.036, 0.102),
        7: (0.037, 0.074),
        8: (4.5 * CUN_HEAD, HAIRLINE_FRONT_Y - 0.003),
        9: (0.018, 0.140),
        10: (0.017, 0.152),
        11: (0.013, 0.171),
        12: (4 * CUN_FRONT, 0.170),
        13: (4 * CUN_FRONT, 0.184),
    }
    for n, (u, y) in face.items():
        put(f"ST{n}", front(u, y))
    for n, space in zip(range(14, 19), range(1, 6), strict=True):
        put(f"ST{n}", chest(4, space))
    for n in range(19, 31):  # 6 cun above .. 5 cun below the umbilicus, 2 cun lateral
        put(f"ST{n}", abdomen(2, 25 - n))
    put("ST31", leg("front", 0.495, 0.35))
    put("ST32", leg("front", PATELLA_BASE_Y - 6 * CUN_THIGH, 0.35))
    put("ST33", leg("front", PATELLA_BASE_Y - 3 * CUN_THIGH, 0.38))
    put("ST34", leg("front", PATELLA_BASE_Y - 2 * CUN_THIGH, 0.42))
    put("ST35", leg("front", 0.735, 0.35))
    below_knee = {36: (3, 0.3), 37: (6, 0.3), 38: (8, 0.3), 39: (9, 0.3), 40: (8, 0.62)}
    for n, (cun, across) in below_knee.items():
        put(f"ST{n}", leg("front", 0.735 + cun * CUN_LEG_LATERAL, across))
    put("ST41", foot(0.05, 3.0))
    put("ST42", foot(0.35, 2.2))
    put("ST43", foot(0.62, 2.5))
    put("ST44", foot(0.82, 2.5))
    put("ST45", foot(0.97, 2.3))


def medial_leg_y(above_malleolus: float) -> float:
    return MEDIAL_MALLEOLUS_Y - above_malleolus * CUN_LEG_MEDIAL


def place_spleen() -> None:
    put("SP1", foot(0.97, 0.75))
    put("SP2", foot(0.80, 0.65))
    put("SP3", foot(0.68, 0.60))
    put("SP4", foot(0.45, 0.65))
    put("SP5", front(0.030, 0.961))
    put("SP6", leg("front", medial_leg_y(3), -0.85))
    put("SP7", leg("front", medial_leg_y(6), -0.85))
    put("SP8", leg("front", MEDIAL_CONDYLE_Y + 3 * CUN_LEG_MEDIAL, -0.85))
    put("SP9", leg("front", MEDIAL_CONDYLE_Y, -0.85))
    put("SP10", leg("front", PATELLA_BASE_Y - 2 * CUN_THIGH, -0.6))
    put("SP11", leg("front", 0.552, -0.35))
    put("SP12", front(3.5 * CUN_FRONT, PUBIS_Y))
    put("SP13", abdomen(4, -4.3))
    put("SP14", abdomen(4, -1.3))
    put("SP15", abdomen(4, 0))
    put("SP16", abdomen(4, 3))
    for n, space in zip(range(17, 21), [5, 4, 3, 2], strict=True):
        put(f"SP{n}", chest(6, space))
    put("SP21", front(MIDAXILLARY_U, ICS[6]))


def place_heart() -> None:
    put("HT1", front(0.094, 0.220))
    put("HT2", upper_arm("front", 3, -0.6))
    put("HT3", forearm("front", 12, -0.9))
    for n, above_wrist in [(4, 1.5), (5, 1.0), (6, 0.5), (7, 0.0)]:
        put(f"HT{n}", forearm("front", above_wrist, -0.75))
    put("HT8", hand("front", 0.38, -0.55))
    put("HT9", hand("front", 0.82, -0.57))


def place_small_intestine() -> None:
    put("SI1", hand("back", 0.82, -0.73))
    put("SI2", hand("back", 0.57, -0.95))
    put("SI3", hand("back", 0.47, -1.0))
    put("SI4", hand("back", 0.12, -1.0))
    put("SI5", forearm("back", 0, -1.0))
    put("SI6", forearm("back", 1, -0.6))
    put("SI7", forearm("back", 5, -0.9))
    put("SI8", forearm("back", 12, -0.55))
    put("SI9", back(0.098, 0.210))
    put("SI10", back(0.098, 0.190))
    put("SI11", back(0.070, 0.2137))
    put("SI12", back(0.072, 0.185))
    put("SI13", back(0.052, 0.195))
    put("SI14", paraspinal(3, below("T1")))
    put("SI15", paraspinal(2, below("C7")))
    put("SI16", front(0.034, 0.140))
    put("SI17", front(0.040, 0.113))
    put("SI18", front(0.029, 0.077))
    put("SI19", front(0.043, 0.076))


BACK_SHU_INNER = {
    11: "T1",
    12: "T2",
    13: "T3",
    14: "T4",
    15: "T5",
    16: "T6",
    17: "T7",
    18: "T9",
    19: "T10",
    20: "T11",
    21: "T12",
    22: "L1",
    23: "L2",
    24: "L3",
    25: "L4",
    26: "L5",
}
BACK_SHU_OUTER = {
    41: "T2",
    42: "T3",
    43: "T4",
    44: "T5",
    45: "T6",
    46: "T7",
    47: "T9",
    48: "T10",
    49: "T11",
    50: "T12",
    51: "L1",
    52: "L2",
}


def place_bladder() -> None:
    put("BL1", front(0.0055, 0.0585))
    put("BL2", front(0.008, 0.050))
    put("BL3", front(0.008, HAIRLINE_FRONT_Y - 0.003))
    put("BL4", scalp_front(1.5, 0.5))
    put("BL5", scalp_front(1.5, 1.0))
    put("BL6", scalp_front(1.5, 2.5))
    put("BL7", scalp_front(1.5, 4.0))
    put("BL8", scalp_back(1.5, 12 - 5.5))
    put("BL9", scalp_back(1.3, 2.5))
    put("BL10", back(0.016, SPINOUS["C2"] - 0.005))
    for n, level in BACK_SHU_INNER.items():
        put(f"BL{n}", paraspinal(1.5, below(level)))
    for n, foramen in zip(range(27, 31), range(1, 5), strict=True):
        put(f"BL{n}", paraspinal(1.5, SACRAL_FORAMEN[foramen][0]))
    for n, foramen in zip(range(31, 35), range(1, 5), strict=True):
        y, u = SACRAL_FORAMEN[foramen]
        put(f"BL{n}", back(u, y))
    put("BL35", paraspinal(0.5, COCCYX_TIP_Y))
    put("BL36", leg("back", 0.525, 0.0))
    put("BL37", leg("back", 0.525 + 6 * CUN_THIGH_POSTERIOR, 0.0))
    put("BL38", leg("back", POPLITEAL_Y - CUN_THIGH_POSTERIOR, 0.55))
    put("BL39", leg("back", POPLITEAL_Y, 0.7))
    put("BL40", leg("back", POPLITEAL_Y, 0.0))
    for n, level in BACK_SHU_OUTER.items():
        put(f"BL{n}", paraspinal(3, below(level)))
    put("BL53", paraspinal(3, SACRAL_FORAMEN[2][0]))
    put("BL54", paraspinal(3, SACRAL_FORAMEN[4][0]))
    put("BL55", leg("back", POPLITEAL_Y + 2 * CUN_LEG_LATERAL, 0.0))
    put("BL56", leg("back", POPLITEAL_Y + 4.5 * CUN_LEG_LATERAL, 0.0))
    put("BL57", leg("back", POPLITEAL_Y + 8 * CUN_LEG_LATERAL, 0.0))
    put("BL58", leg("back", LATERAL_MALLEOLUS_Y - 7 * CUN_LEG_LATERAL, 0.45))
    put("BL59", leg("back", LATERAL_MALLEOLUS_Y - 3 * CUN_LEG_LATERAL, 0.55))
    put("BL60", back(0.057, 0.955))
    put("BL61", back(0.058, 0.978))
    put("BL62", back(0.065, 0.965))
    put("BL63", foot(0.30, 5.6))
    put("BL64", foot(0.45, 5.7))
    put("BL65", foot(0.68, 5.5))
    put("BL66", foot(0.83, 5.4))
    put("BL67", foot(0.96, 5.2))


def place_kidney() -> None:
    # KI1 lies on the sole, which neither view shows; it is drawn at the heel in the back view.
    put("KI1", back(0.045, 0.995))
    put("KI2", foot(0.30, 0.35))
    put("KI3", back(0.034, 0.952))
    put("KI4", back(0.036, 0.963))
    put("KI5", back(0.031, 0.970))
    put("KI6", front(0.024, 0.963))
    put("KI7", leg("front", medial_leg_y(2), -1.0))
    put("KI8", leg("front", medial_leg_y(2), -0.65))
    put("KI9", leg("front", medial_leg_y(5), -1.0))
    put("KI10", leg("back", POPLITEAL_Y, -0.75))
    for n in range(11, 22):  # 5 cun below .. 6 cun above the umbilicus, 0.5 cun lateral
        above = {16: 0, 17: 2, 18: 3, 19: 4, 20: 5, 21: 6}.get(n, n - 16)
        put(f"KI{n}", abdomen(0.5, above))
    for n, space in zip(range(22, 27), [5, 4, 3, 2, 1], strict=True):
        put(f"KI{n}", chest(2, space))
    put("KI27", front(2 * CUN_FRONT, 0.184))


def place_pericardium() -> None:
    put("PC1", chest(5, 4))
    put("PC2", upper_arm("front", 7, 0.0))
    put("PC3", forearm("front", 12, -0.15))
    for n, above_wrist in [(4, 5), (5, 3), (6, 2), (7, 0)]:
        put(f"PC{n}", forearm("front", above_wrist, 0.0))
    put("PC8", hand("front", 0.38, 0.05))
    put("PC9", hand("front", 1.0, 0.08))


def place_triple_energizer() -> None:
    put("TE1", hand("back", 0.93, -0.38))
    put("TE2", hand("back", 0.57, -0.45))
    put("TE3", hand("back", 0.45, -0.45))
    put("TE4", forearm("back", 0, -0.15))
    for n, above_wrist, across in [(5, 2, 0), (6, 3, 0), (7, 3, -0.45), (8, 4, 0), (9, 7, 0)]:
        put(f"TE{n}", forearm("back", above_wrist, across))
    for n, above_elbow in [(10, 1), (11, 2), (12, 5), (13, 9)]:
        put(f"TE{n}", upper_arm("back", above_elbow, 0.0))
    put("TE14", back(0.121, 0.190))
    put("TE15", back(0.054, 0.184))
    put("TE16", back(0.036, 0.113))
    put("TE17", back(0.046, 0.091))
    put("TE18", back(0.047, 0.080))
    put("TE19", back(0.048, 0.069))
    put("TE20", back(0.048, 0.058))
    put("TE21", front(0.043, 0.071))
    put("TE22", front(0.042, 0.062))
    put("TE23", front(0.033, 0.050))


def place_gall_bladder() -> None:
    head_front = {
        1: (0.034, 0.060),
        2: (0.043, 0.081),
        3: (0.036, 0.067),
        4: (0.0395, 0.0365),
        5: (0.041, 0.043),
        6: (0.0425, 0.0495),
        7: (0.044, 0.056),
        8: (0.047, 0.042),
        14: (0.0185, 0.044),
    }
    for n, (u, y) in head_front.items():
        put(f"GB{n}", front(u, y))
    put("GB9", back(0.044, 0.047))
    put("GB10", back(0.042, 0.062))
    put("GB11", back(0.040, 0.078))
    put("GB12", back(0.036, 0.094))
    put("GB13", scalp_front(3, 0.5))
    put("GB15", front(0.0185, lerp(HAIRLINE_FRONT_Y, VERTEX_Y, 0.5 / 5)))
    put("GB16", scalp_front(2.1, 1.5))
    put("GB17", scalp_front(2.1, 2.5))
    put("GB18", scalp_front(2.1, 4.0))
    put("GB19", scalp_back(2.5, 2.5))
    put("GB20", back(0.026, lerp(HAIRLINE_BACK_Y, VERTEX_Y, 1 / 7)))
    put("GB21", back(0.060, (SPINOUS["C7"] + 0.178) / 2))
    put("GB22", front(MIDAXILLARY_U, ICS[4]))
    put("GB23", front(MIDAXILLARY_U - 0.007, ICS[4] + 0.004))
    put("GB24", chest(4, 7))
    put("GB25", front(0.080, 0.383))
    put("GB26", front(0.080, UMBILICUS_Y))
    put("GB27", front(0.072, UMBILICUS_Y + 3 * CUN_ABDOMEN_V))
    put("GB28", front(0.068, UMBILICUS_Y + 3.5 * CUN_ABDOMEN_V))
    put("GB29", front(0.0875, 0.4625))
    # One third of the way from the greater trochanter (0.100, 0.480) to the sacral hiatus.
    put("GB30", back(lerp(0.100, 0.0, 1 / 3), lerp(0.480, SACRAL_HIATUS_Y, 1 / 3)))
    put("GB31", leg("front", POPLITEAL_Y - 9 * CUN_THIGH, 0.95))
    put("GB32", leg("front", POPLITEAL_Y - 7 * CUN_THIGH, 0.95))
    put("GB33", leg("front", 0.705, 1.0))
    put("GB34", leg("front", 0.765, 0.8))
    lower = {35: (7, 1.0), 36: (7, 0.78), 37: (5, 0.85), 38: (4, 0.8), 39: (3, 0.8)}
    for n, (cun, across) in lower.items():
        put(f"GB{n}", leg("front", LATERAL_MALLEOLUS_Y - cun * CUN_LEG_LATERAL, across))
    put("GB40", front(0.060, 0.962))
    put("GB41", foot(0.52, 4.5))
    put("GB42", foot(0.68, 4.5))
    put("GB43", foot(0.83, 4.5))
    put("GB44", foot(0.97, 4.25))


def place_liver() -> None:
    put("LR1", foot(0.97, 1.25))
    put("LR2", foot(0.82, 1.5))
    put("LR3", foot(0.50, 1.5))
    put("LR4", front(0.037, 0.958))
    put("LR5", leg("front", medial_leg_y(5), -0.5))
    put("LR6", leg("front", medial_leg_y(7), -0.5))
    put("LR7", leg("front", MEDIAL_CONDYLE_Y + 0.003, -1.05))
    put("LR8", leg("front", POPLITEAL_Y - 0.003, -0.95))
    put("LR9", leg("front", 0.715 - 4 * CUN_THIGH, -0.9))
    put("LR10", leg("front", PUBIS_Y + 3 * CUN_THIGH, -0.75))
    put("LR11", leg("front", PUBIS_Y + 2 * CUN_THIGH, -0.75))
    put("LR12", front(2.5 * CUN_FRONT, PUBIS_Y + 0.0045))
    put("LR13", front(0.077, 0.368))
    put("LR14", chest(4, 6))


def place_governor() -> None:
    put("GV1", back(0.0, COCCYX_TIP_Y + 0.007))
    put("GV2", back(0.0, SACRAL_HIATUS_Y))
    for n, level in [(3, "L4"), (4, "L2"), (5, "L1"), (6, "T11"), (7, "T10"), (8, "T9")]:
        put(f"GV{n}", back(0.0, below(level)))
    for n, level in [(9, "T7"), (10, "T6"), (11, "T5"), (12, "T3"), (13, "T1"), (14, "C7")]:
        put(f"GV{n}", back(0.0, below(level)))
    for n, above_hairline in [(15, 0.5), (16, 1.0), (17, 2.5), (18, 4.0), (19, 5.5), (20, 7.0)]:
        put(f"GV{n}", scalp_back(0, above_hairline))
    for n, behind_hairline in [(21, 3.5), (22, 2.0), (23, 1.0), (24, 0.5)]:
        put(f"GV{n}", scalp_front(0, behind_hairline))
    put("GV25", front(0.0, 0.080))
    put("GV26", front(0.0, 0.0887))
    put("GV27", front(0.0, 0.0940))
    put("GV28", front(0.0, 0.0970))


def place_conception() -> None:
    put("CV1", front(0.0, 0.520))
    for n in range(2, 16):
        above = {2: -5, 3: -4, 4: -3, 5: -2, 6: -1.5, 7: -1, 8: 0}.get(n, n - 8)
        put(f"CV{n}", abdomen(0, above))
    for n, space in zip(range(16, 21), [5, 4, 3, 2, 1], strict=True):
        put(f"CV{n}", chest(0, space))
    put("CV21", front(0.0, 0.186))
    put("CV22", front(0.0, 0.174))
    put("CV23", front(0.0, 0.128))
    put("CV24", front(0.0, 0.107))


def place_extra() -> None:
    put("EX-HN1", front(0.0, VERTEX_Y + 0.002))
    put("EX-HN3", front(0.0, 0.051))
    put("EX-HN4", front(0.0185, 0.050))
    put("EX-HN5", front(0.038, 0.055))
    put("EX-HN14", back(0.041, 0.097))
    put("EX-HN15", paraspinal(1, below("C7") - 2 * 0.0085))
    put("EX-B1", paraspinal(0.5, below("C7")))
    for level in JIAJI_LEVELS:
        put(f"EX-B2-{level}", paraspinal(0.5, below(level)))
    put("EX-B3", paraspinal(1.5, below("T8")))
    put("EX-B4", paraspinal(3.5, below("L1")))
    put("EX-B5", back(0.0, below("L3")))
    put("EX-B6", paraspinal(3, below("L4")))
    put("EX-B7", paraspinal(3.5, below("L4")))
    put("EX-B8", back(0.0, below("L5")))
    put("EX-B9", back(0.0, COCCYX_TIP_Y - 2 * CUN_ABDOMEN_V))
    put("EX-UE8", hand("back", 0.45, 0.28))


PLACERS: list[Callable[[], None]] = [
    place_lung,
    place_large_intestine,
    place_stomach,
    place_spleen,
    place_heart,
    place_small_intestine,
    place_bladder,
    place_kidney,
    place_pericardium,
    place_triple_energizer,
    place_gall_bladder,
    place_liver,
    place_governor,
    place_conception,
    place_extra,
]

# ---------------------------------------------------------------------------------------------
# Regions: (first, last, region) ranges per meridian.
# ---------------------------------------------------------------------------------------------

REGION_RANGES: dict[str, list[tuple[int, int, str]]] = {
    "LU": [(1, 2, "chest"), (3, 8, "arm"), (9, 11, "hand")],
    "LI": [
        (1, 5, "hand"),
        (6, 14, "arm"),
        (15, 16, "shoulder"),
        (17, 18, "neck"),
        (19, 20, "head_face"),
    ],
    "ST": [
        (1, 8, "head_face"),
        (9, 12, "neck"),
        (13, 18, "chest"),
        (19, 30, "abdomen"),
        (31, 40, "leg"),
        (41, 45, "foot"),
    ],
    "SP": [(1, 5, "foot"), (6, 11, "leg"), (12, 16, "abdomen"), (17, 21, "chest")],
    "HT": [(1, 1, "shoulder"), (2, 6, "arm"), (7, 9, "hand")],
    "SI": [
        (1, 5, "hand"),
        (6, 8, "arm"),
        (9, 10, "shoulder"),
        (11, 15, "upper_back"),
        (16, 17, "neck"),
        (18, 19, "head_face"),
    ],
    "BL": [
        (1, 9, "head_face"),
        (10, 10, "neck"),
        (11, 21, "upper_back"),
        (22, 26, "lower_back"),
        (27, 36, "sacrum_buttock"),
        (37, 40, "leg"),
        (41, 50, "upper_back"),
        (51, 52, "lower_back"),
        (53, 54, "sacrum_buttock"),
        (55, 59, "leg"),
        (60, 67, "foot"),
    ],
    "KI": [(1, 6, "foot"), (7, 10, "leg"), (11, 21, "abdomen"), (22, 27, "chest")],
    "PC": [(1, 1, "chest"), (2, 6, "arm"), (7, 9, "hand")],
    "TE": [
        (1, 4, "hand"),
        (5, 13, "arm"),
        (14, 15, "shoulder"),
        (16, 17, "neck"),
        (18, 23, "head_face"),
    ],
    "GB": [
        (1, 19, "head_face"),
        (20, 20, "neck"),
        (21, 21, "shoulder"),
        (22, 24, "chest"),
        (25, 28, "abdomen"),
        (29, 30, "sacrum_buttock"),
        (31, 39, "leg"),
        (40, 44, "foot"),
    ],
    "LR": [(1, 4, "foot"), (5, 11, "leg"), (12, 13, "abdomen"), (14, 14, "chest")],
    "GV": [
        (1, 2, "sacrum_buttock"),
        (3, 5, "lower_back"),
        (6, 13, "upper_back"),
        (14, 16, "neck"),
        (17, 28, "head_face"),
    ],
    "CV": [
        (1, 1, "sacrum_buttock"),
        (2, 15, "abdomen"),
        (16, 21, "chest"),
        (22, 23, "neck"),
        (24, 24, "head_face"),
    ],
}

EXTRA_REGIONS = {
    "EX-HN1": "head_face",
    "EX-HN3": "head_face",
    "EX-HN4": "head_face",
    "EX-HN5": "head_face",
    "EX-HN14": "neck",
    "EX-HN15": "neck",
    "EX-B1": "neck",
    "EX-B3": "upper_back",
    "EX-B4": "lower_back",
    "EX-B5": "lower_back",
    "EX-B6": "lower_back",
    "EX-B7": "lower_back",
    "EX-B8": "lower_back",
    "EX-B9": "sacrum_buttock",
    "EX-UE8": "hand",
}
REGION_IDS = {
    "head_face",
    "neck",
    "shoulder",
    "upper_back",
    "lower_back",
    "sacrum_buttock",
    "chest",
    "abdomen",
    "arm",
    "hand",
    "leg",
    "foot",
}

# ---------------------------------------------------------------------------------------------
# Depth caps and cautions. The caps are this product's conservative choices, stricter than the
# 20 mm absolute cap; the sources document the anatomy that motivates them (see SOURCES.md).
# ---------------------------------------------------------------------------------------------

SRC_PC1 = (
    "Peuker E, Cummings M. Anatomy for the acupuncturist - facts & fiction 1: the head and "
    "neck region. Acupunct Med 2003;21(1-2):2-8"
)
SRC_PC2 = (
    "Peuker E, Cummings M. Anatomy for the acupuncturist - facts & fiction 2: the chest, "
    "abdomen, and back. Acupunct Med 2003;21(3):72-79"
)
SRC_PC3 = (
    "Peuker E, Cummings M. Anatomy for the acupuncturist - facts & fiction 3: upper & lower "
    "extremity. Acupunct Med 2003;21(4):112-132"
)
SRC_CHEN = (
    "Chen HN, Chang CY, Chen LZ, Chang YJ, Lin JG. Using ultrasonography measurements to "
    "determine the depth of the GB 21 acupoint to prevent pneumothorax. "
    "J Acupunct Meridian Stud 2018;11(6):355-360"
)
SRC_CHU = (
    "Chu H, Kim J, Ha W, et al. Change of safe needling depth at acupoint GB21 according to "
    "posture and breathing. Evid Based Complement Alternat Med 2018"
)
SRC_CHENG = (
    "Cheng TO. Cardiac tamponade following acupuncture (letter). Chest 2000;118(6):1836-1837"
)
SRC_DEADMAN = (
    "Deadman P, Al-Khafaji M, Baker K. A Manual of Acupuncture. 2nd ed. "
    "Hove: Journal of Chinese Medicine Publications; 2007"
)
SEP = " | "

Caution = tuple[float | None, str, str]  # (cap mm or None, caution, source)
CAUTIONS: dict[str, Caution] = {}


def caution(codes: list[str], cap: float | None, text: str, *sources: str) -> None:
    for code in codes:
        if code in CAUTIONS:
            raise SystemExit(f"caution for {code} given twice")
        CAUTIONS[code] = (cap, text, SEP.join(sources))


def codes(prefix: str, first: int, last: int) -> list[str]:
    return [f"{prefix}{n}" for n in range(first, last + 1)]


def define_cautions() -> None:
    caution(
        ["GB21"],
        8,
        "Over the lung apex. Ultrasound puts the pleura at a mean 17.4 mm below the skin in men "
        "and 14.6 mm in women, and in some people breathing shifts it by more than 4.5 mm; "
        "pneumothorax at this point is the most often reported serious needling injury.",
        SRC_CHEN,
        SRC_CHU,
    )
    caution(
        codes("BL", 11, 21) + codes("BL", 41, 50) + ["EX-B3"],
        10,
        "Over the lung field of the back: only muscle and the chest wall lie between the skin "
        "and the pleura, which reaches down to about the twelfth rib. Deep or perpendicular "
        "insertion risks pneumothorax.",
        SRC_PC2,
    )
    caution(
        ["EX-B1"] + [f"EX-B2-{level}" for level in THORACIC],
        15,
        "Beside the thoracic spine: the pleura lies deeper and to the side. Keep shallow and do "
        "not angle the needle outwards towards the chest cavity.",
        SRC_PC2,
    )
    caution(
        ["SI14", "SI15", "TE15"],
        10,
        "Over the apex of the lung at the root of the neck; deep insertion risks pneumothorax.",
        SRC_PC2,
        SRC_DEADMAN,
    )
    chest_points = [
        "LU1",
        "LU2",
        "PC1",
        "LR14",
        *codes("ST", 13, 16),
        "ST18",
        *codes("KI", 22, 27),
        *codes("SP", 17, 21),
        *codes("GB", 22, 24),
    ]
    caution(
        chest_points,
        10,
        "Over the lung: the chest wall between the ribs can be thin, especially in slim patients; "
        "deep insertion risks pneumothorax.",
        SRC_PC2,
    )
    caution(
        ["ST17"],
        10,
        "The nipple: a landmark for the points around it, traditionally not needled. "
        "The lung lies beneath the chest wall here.",
        SRC_DEADMAN,
        SRC_PC2,
    )
    caution(
        codes("CV", 16, 21),
        10,
        "Over the sternum. A congenital sternal foramen (a hole in the bone, not palpable) can "
        "let a needle reach the pericardium and heart; cardiac tamponade has followed needling "
        "here.",
        SRC_PC2,
        SRC_CHENG,
    )
    caution(
        ["CV14", "CV15"],
        10,
        "Below the xiphoid: the heart and the left lobe of the liver lie close beneath, "
        "especially if either is enlarged.",
        SRC_PC2,
        SRC_CHENG,
    )
    caution(
        ["CV22"],
        10,
        "Suprasternal notch: the trachea lies directly beneath and the great vessels of the "
        "upper chest just behind the sternum. Do not insert deeply or downwards behind the "
        "sternum.",
        SRC_PC1,
    )
    caution(
        ["ST9", "ST10"],
        10,
        "Over the common carotid artery and the carotid sinus; feel for the pulse and keep the "
        "needle clear of the artery.",
        SRC_PC1,
    )
    caution(
        ["ST11", "ST12"],
        10,
        "Above the clavicle: the apex of the lung and the subclavian vessels lie close "
        "beneath; deep insertion risks pneumothorax.",
        SRC_PC1,
        SRC_PC2,
    )
    caution(
        ["LI17", "LI18"],
        None,
        "Side of the neck over the carotid sheath (carotid artery, jugular vein, vagus nerve) "
        "which lies deep to the sternocleidomastoid; keep shallow.",
        SRC_PC1,
    )
    caution(
        ["GV15", "GV16"],
        15,
        "Neck midline below the occiput: the medulla oblongata and upper spinal cord lie deeper "
        "in line with the needle. Never insert deeply or angle upwards towards the skull base.",
        SRC_PC1,
    )
    caution(
        ["GB20", "BL10"],
        15,
        "Below the skull base: the vertebral artery and, deeper and medially, the medulla "
        "oblongata. Avoid deep insertion and do not angle upwards and inwards.",
        SRC_PC1,
    )
    caution(
        ["BL1", "ST1"],
        10,
        "Inside the orbit margin: the eyeball lies alongside and orbital vessels bleed easily "
        "into a haematoma. Keep the needle still, no manipulation.",
        SRC_PC1,
        SRC_DEADMAN,
    )
    caution(
        ["LU9"],
        None,
        "Beside the radial artery at the wrist; feel for the pulse and avoid the artery.",
        SRC_PC3,
        SRC_DEADMAN,
    )
    caution(
        ["HT1"],
        None,
        "Axilla: the axillary artery and the brachial plexus run here; avoid the artery, and "
        "angled medially the needle points at the chest wall.",
        SRC_PC3,
        SRC_DEADMAN,
    )
    caution(
        ["PC3"],
        None,
        "Elbow crease beside the brachial artery and median nerve; avoid the artery.",
        SRC_PC3,
    )
    caution(
        ["SP11", "SP12", "ST30", "LR12"],
        None,
        "Groin and inner thigh near the femoral artery and vein; feel for the pulse and avoid "
        "the vessels.",
        SRC_PC3,
        SRC_DEADMAN,
    )
    caution(
        ["BL40"],
        None,
        "Back of the knee: the popliteal artery and vein and the tibial nerve lie deep in the "
        "fossa; keep shallow and avoid visible veins.",
        SRC_PC3,
    )
    caution(
        ["ST42"],
        None,
        "Over the dorsalis pedis artery; feel for the pulse and avoid the artery.",
        SRC_PC3,
        SRC_DEADMAN,
    )
    caution(
        ["CV8"],
        None,
        "The umbilicus: traditionally not needled.",
        SRC_DEADMAN,
    )


# ---------------------------------------------------------------------------------------------
# Pregnancy-caution points: named points, the lower abdomen and the sacral region.
# ---------------------------------------------------------------------------------------------

PREGNANCY = (
    {"LI4", "SP6", "BL60", "BL67", "GB21"}
    | set(codes("CV", 1, 7))
    | set(codes("KI", 11, 15))
    | set(codes("ST", 26, 30))
    | set(codes("SP", 12, 14))
    | set(codes("BL", 27, 35))
    | {"BL53", "BL54", "GV1", "GV2", "EX-B8", "EX-B9"}
)

# ---------------------------------------------------------------------------------------------
# Assembly.
# ---------------------------------------------------------------------------------------------


def parse_names(text: str) -> list[tuple[str, str, str]]:
    rows = []
    for line in text.strip().splitlines():
        pinyin, hanzi, english = (part.strip() for part in line.split("|"))
        rows.append((pinyin, hanzi, english))
    return rows


def region_of(meridian: str, number: int) -> str:
    for first, last, region in REGION_RANGES[meridian]:
        if first <= number <= last:
            return region
    raise SystemExit(f"no region for {meridian}{number}")


def to_xy(pos: Pos) -> tuple[str, float, float]:
    view, u, y = pos
    x = 0.5 + 2.5 * u if view == "front" else 0.5 - 2.5 * u
    return view, round(x, 4), round(y, 4)


def build_rows() -> list[dict[str, str]]:
    for placer in PLACERS:
        placer()
    define_cautions()

    entries: list[tuple[str, str, str, str, str, str, bool]] = []
    for meridian, text in NAMES_TEXT.items():
        names = parse_names(text)
        if len(names) != EXPECTED_COUNTS[meridian]:
            raise SystemExit(
                f"{meridian}: {len(names)} names, expected {EXPECTED_COUNTS[meridian]}"
            )
        for number, (pinyin, hanzi, english) in enumerate(names, start=1):
            entries.append(
                (
                    f"{meridian}{number}",
                    meridian,
                    pinyin,
                    hanzi,
                    english,
                    region_of(meridian, number),
                    meridian not in MIDLINE_MERIDIANS,
                )
            )
    for code, (pinyin, hanzi, english, bilateral) in EXTRA_NAMES.items():
        if code == "EX-B3":  # keep EX-B numbering order: EX-B1, EX-B2-*, EX-B3 ...
            for level in JIAJI_LEVELS:
                region = "upper_back" if level.startswith("T") else "lower_back"
                entries.append(
                    (
                        f"EX-B2-{level}",
                        "EX",
                        "Huatuojiaji",
                        "华佗夹脊",
                        f"Hua Tuo's Paravertebral Points ({level})",
                        region,
                        True,
                    )
                )
        entries.append((code, "EX", pinyin, hanzi, english, EXTRA_REGIONS[code], bilateral))

    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    for code, meridian, pinyin, hanzi, english, region, bilateral in entries:
        if code in seen:
            raise SystemExit(f"duplicate code {code}")
        seen.add(code)
        if region not in REGION_IDS:
            raise SystemExit(f"{code}: unknown region {region}")
        if code not in POS:
            raise SystemExit(f"{code}: no position")
        view, x, y = to_xy(POS[code])
        cap, text, source = CAUTIONS.get(code, (None, "", ""))
        if cap is not None and not 1 <= cap <= 20:
            raise SystemExit(f"{code}: cap {cap} out of range")
        rows.append(
            {
                "code": code,
                "meridian": meridian,
                "pinyin": pinyin,
                "hanzi": hanzi,
                "english": english,
                "russian": to_palladius(PALLADIUS_READING.get(code, pinyin), len(hanzi)),
                "region": region,
                "bilateral": "yes" if bilateral else "no",
                "max_depth_mm": "" if cap is None else f"{cap:g}",
                "depth_caution": text,
                "depth_source": source,
                "pregnancy_caution": "yes" if code in PREGNANCY else "no",
                "chart_view": view,
                "x": f"{x:.4f}",
                "y": f"{y:.4f}",
            }
        )
    unknown = (set(POS) | set(CAUTIONS) | PREGNANCY | set(PALLADIUS_READING)) - seen
    if unknown:
        raise SystemExit(f"positions/cautions for unknown codes: {sorted(unknown)}")
    return rows


def crowding(rows: list[dict[str, str]], limit: float = 0.006) -> list[str]:
    """Pairs of points on the same view that would be drawn nearly on top of each other."""
    out = []
    for i, a in enumerate(rows):
        for b in rows[i + 1 :]:
            if a["chart_view"] != b["chart_view"]:
                continue
            dx = float(a["x"]) - float(b["x"])
            dy = (float(a["y"]) - float(b["y"])) * 2.5  # compare in chart pixels
            if math.hypot(dx, dy) < limit:
                out.append(f"{a['code']} ~ {b['code']}")
    return out


def main() -> int:
    rows = build_rows()
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    capped = sum(1 for r in rows if r["max_depth_mm"])
    print(f"wrote {len(rows)} points ({capped} with a depth cap) to {OUT}")
    for pair in crowding(rows):
        print(f"close together: {pair}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
