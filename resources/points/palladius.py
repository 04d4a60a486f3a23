"""Pinyin -> Palladius (палладица): the Cyrillic spelling of Chinese used in Russian books.

Russian acupuncture textbooks write point names syllable by syllable, hyphenated and in lower
case: Hegu -> хэ-гу, Zusanli -> цзу-сань-ли. This module turns the catalog's pinyin names into
that form. ``build_points.py`` uses it to fill the ``russian`` column; it is a build-time tool,
not part of the program (``acudesk`` only reads the finished CSV).

The table
---------
``SYLLABLES`` lists every syllable of standard Mandarin (the Hanyu Pinyin syllable table, tone
marks dropped, ``ü`` written ``v``) with its Palladius spelling. The spellings follow the usual
rules of the Palladius system (the Kafarov-Popov dictionary of 1888 as used today):

* initials: b б, p п, m м, f ф, d д, t т, n н, l л, g г, k к, h х, j цз, q ц, x с, zh чж,
  ch ч, sh ш, r ж, z цз, c ц, s с;
* finals: a а, ai ай, an ань, ang ан, ao ао, e э, ei эй, en энь, eng эн, er эр, o о, ou оу,
  ong ун; i и (ы after z, c, s: цзы, цы, сы); ia я, ian янь, iang ян, iao яо, ie е, in инь,
  ing ин, iong юн, iu ю; u у, ua уа, uai уай, uan уань, uang уан, ui уй, un унь, uo о;
  ü (u after j, q, x, y) юй, üe юэ, üan юань, ün юнь;
* without an initial: yi и, ya я, ye е, yao яо, you ю, yan янь, yin инь, yang ян, ying ин,
  yong юн, yu юй, yue юэ, yuan юань, yun юнь; wu у, wa ва, wo во, wai вай, wei вэй, wan вань,
  wen вэнь, wang ван, weng вэн;
* one traditional exception: hui is хуэй (гуй, куй, дуй ... keep уй);
* after ж, ш, ч the Russian spelling rules hold (жи, ши, чжи, never ы or я after them).

The separating ъ of run-together Palladius spelling (Чанъань) is never needed here, because the
syllables are joined with hyphens.

Splitting a name into syllables
-------------------------------
Pinyin names are written without separators ("Huatuojiaji"), and some strings split more than
one way ("xian" is one syllable or xi'an). The number of Chinese characters is the number of
syllables, so the splitter enumerates every split into exactly that many table syllables. When
more than one split is possible, it drops those in which a syllable after the first begins with
a, o or e (pinyin would have written an apostrophe there, "Xi'an"); if that still leaves more
than one, it refuses rather than guess.

Run ``python resources/points/palladius.py`` to print the table.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Iterator

# Every syllable, one initial per line; "v" stands for ü.
SYLLABLE_INVENTORY = """
    a ai an ang ao e ei en eng er o ou
    ya yan yang yao ye yi yin ying yo yong you yu yuan yue yun
    wa wai wan wang wei wen weng wo wu
    ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu
    pa pai pan pang pao pei pen peng pi pian piao pie pin ping po pou pu
    ma mai man mang mao me mei men meng mi mian miao mie min ming miu mo mou mu
    fa fan fang fei fen feng fo fou fu
    da dai dan dang dao de dei den deng di dia dian diao die ding diu dong dou du duan dui dun duo
    ta tai tan tang tao te tei teng ti tian tiao tie ting tong tou tu tuan tui tun tuo
    na nai nan nang nao ne nei nen neng ni nian niang niao nie nin ning niu nong nou nu nuan nun
    nuo nv nve
    la lai lan lang lao le lei leng li lia lian liang liao lie lin ling liu lo long lou lu luan lun
    luo lv lve
    ga gai gan gang gao ge gei gen geng gong gou gu gua guai guan guang gui gun guo
    ka kai kan kang kao ke kei ken keng kong kou ku kua kuai kuan kuang kui kun kuo
    ha hai han hang hao he hei hen heng hong hou hu hua huai huan huang hui hun huo
    ji jia jian jiang jiao jie jin jing jiong jiu ju juan jue jun
    qi qia qian qiang qiao qie qin qing qiong qiu qu quan que qun
    xi xia xian xiang xiao xie xin xing xiong xiu xu xuan xue xun
    zha zhai zhan zhang zhao zhe zhei zhen zheng zhi zhong zhou zhu zhua zhuai zhuan zhuang zhui
    zhun zhuo
    cha chai chan chang chao che chen cheng chi chong chou chu chua chuai chuan chuang chui chun
    chuo
    sha shai shan shang shao she shei shen sheng shi shou shu shua shuai shuan shuang shui shun
    shuo
    ran rang rao re ren reng ri rong rou ru rua ruan rui run ruo
    za zai zan zang zao ze zei zen zeng zi zong zou zu zuan zui zun zuo
    ca cai can cang cao ce cei cen ceng ci cong cou cu cuan cui cun cuo
    sa sai san sang sao se sen seng si song sou su suan sui sun suo
"""

INITIALS: dict[str, str] = {
    "zh": "чж",
    "ch": "ч",
    "sh": "ш",
    "b": "б",
    "p": "п",
    "m": "м",
    "f": "ф",
    "d": "д",
    "t": "т",
    "n": "н",
    "l": "л",
    "g": "г",
    "k": "к",
    "h": "х",
    "j": "цз",
    "q": "ц",
    "x": "с",
    "r": "ж",
    "z": "цз",
    "c": "ц",
    "s": "с",
}

# Finals after a consonant. j, q, x take only i- and ü-finals; their "u" is ü.
FINALS: dict[str, str] = {
    "a": "а",
    "ai": "ай",
    "an": "ань",
    "ang": "ан",
    "ao": "ао",
    "e": "э",
    "ei": "эй",
    "en": "энь",
    "eng": "эн",
    "o": "о",
    "ou": "оу",
    "ong": "ун",
    "i": "и",
    "ia": "я",
    "ian": "янь",
    "iang": "ян",
    "iao": "яо",
    "ie": "е",
    "in": "инь",
    "ing": "ин",
    "iong": "юн",
    "iu": "ю",
    "u": "у",
    "ua": "уа",
    "uai": "уай",
    "uan": "уань",
    "uang": "уан",
    "ui": "уй",
    "un": "унь",
    "uo": "о",
    "v": "юй",
    "ve": "юэ",
    "van": "юань",
    "vn": "юнь",
}

# Syllables without an initial (y- and w- are spelling devices of pinyin, not consonants).
ZERO_INITIAL: dict[str, str] = {
    "a": "а",
    "ai": "ай",
    "an": "ань",
    "ang": "ан",
    "ao": "ао",
    "e": "э",
    "ei": "эй",
    "en": "энь",
    "eng": "эн",
    "er": "эр",
    "o": "о",
    "ou": "оу",
    "yi": "и",
    "ya": "я",
    "ye": "е",
    "yao": "яо",
    "you": "ю",
    "yan": "янь",
    "yin": "инь",
    "yang": "ян",
    "ying": "ин",
    "yo": "йо",
    "yong": "юн",
    "yu": "юй",
    "yue": "юэ",
    "yuan": "юань",
    "yun": "юнь",
    "wu": "у",
    "wa": "ва",
    "wo": "во",
    "wai": "вай",
    "wei": "вэй",
    "wan": "вань",
    "wen": "вэнь",
    "wang": "ван",
    "weng": "вэн",
}

EXCEPTIONS: dict[str, str] = {"hui": "хуэй"}

VOWEL_START = ("a", "o", "e")


def _split_initial(syllable: str) -> tuple[str, str]:
    for initial in ("zh", "ch", "sh"):
        if syllable.startswith(initial):
            return initial, syllable[len(initial) :]
    if syllable[0] in INITIALS:
        return syllable[0], syllable[1:]
    return "", syllable


def _transcribe(syllable: str) -> str:
    """Palladius spelling of one table syllable, by the rules in the module docstring."""
    if syllable in EXCEPTIONS:
        return EXCEPTIONS[syllable]
    initial, final = _split_initial(syllable)
    if not initial:
        return ZERO_INITIAL[syllable]
    if initial in ("j", "q", "x") and final.startswith("u"):
        final = "v" + final[1:]  # ju = jü, quan = qüan, xue = xüe, xun = xün
    if final == "i" and initial in ("z", "c", "s"):
        return INITIALS[initial] + "ы"  # zi цзы, ci цы, si сы
    return INITIALS[initial] + FINALS[final]


def _build_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for syllable in SYLLABLE_INVENTORY.split():
        if syllable in table:
            raise ValueError(f"syllable {syllable!r} listed twice")
        table[syllable] = _transcribe(syllable)
    return table


SYLLABLES: dict[str, str] = _build_table()
_LONGEST = max(len(s) for s in SYLLABLES)


def normalize_pinyin(text: str) -> str:
    """Lower case, tone marks dropped, ü written v: ``"Lǚ"`` -> ``"lv"``."""
    text = text.lower().replace("ü", "v").replace("u:", "v")
    decomposed = unicodedata.normalize("NFD", text)
    # the combining diaeresis of a decomposed ü marks ü, the other marks are tones
    decomposed = decomposed.replace("u\u0308", "v")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _splits(word: str, count: int) -> Iterator[list[str]]:
    """Every way of writing ``word`` as exactly ``count`` table syllables."""
    if count == 0:
        if not word:
            yield []
        return
    for size in range(min(_LONGEST, len(word)), 0, -1):  # longest first
        head = word[:size]
        if head in SYLLABLES:
            for rest in _splits(word[size:], count - 1):
                yield [head, *rest]


def split_syllables(pinyin: str, count: int) -> list[str]:
    """Split a pinyin name into ``count`` syllables; ValueError if that is not unambiguous.

    Apostrophes, hyphens and spaces in ``pinyin`` are syllable boundaries that must be kept.
    """
    parts = [p for p in re.split(r"[\s'’\-]+", normalize_pinyin(pinyin)) if p]
    if not parts or count < len(parts):
        raise ValueError(f"{pinyin!r} cannot have {count} syllables")
    candidates = _split_parts(parts, count)
    if len(candidates) > 1:
        # in pinyin a syllable beginning with a, o or e after another needs an apostrophe
        plain = [c for c in candidates if not any(s.startswith(VOWEL_START) for s in c[1:])]
        candidates = plain or candidates
    if not candidates:
        raise ValueError(f"{pinyin!r} does not split into {count} pinyin syllables")
    if len(candidates) > 1:
        shown = " / ".join("-".join(c) for c in candidates)
        raise ValueError(f"{pinyin!r} splits more than one way into {count}: {shown}")
    return candidates[0]


def _split_parts(parts: list[str], count: int) -> list[list[str]]:
    """All splits of several apostrophe-separated parts into ``count`` syllables in total."""
    if len(parts) == 1:
        return list(_splits(parts[0], count))
    found: list[list[str]] = []
    for first_count in range(1, count - len(parts) + 2):
        for head in _splits(parts[0], first_count):
            for tail in _split_parts(parts[1:], count - first_count):
                found.append(head + tail)
    return found


def to_palladius(pinyin: str, count: int) -> str:
    """``("Zusanli", 3)`` -> ``"цзу-сань-ли"``: ``count`` is the number of characters."""
    return "-".join(SYLLABLES[s] for s in split_syllables(pinyin, count))


def main() -> int:
    for syllable, cyrillic in SYLLABLES.items():
        print(f"{syllable.replace('v', 'ü')}\t{cyrillic}")
    print(f"{len(SYLLABLES)} syllables", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
