"""Regenerate han_characters.csv: every CJK character of GB 2312 and its traditional forms, with
its simplified form (OpenCC t2s) and toneless pinyin of its most common reading (pypinyin).

Identity resolution compares names after mapping each character through this table, so that
張伟 meets 张伟 (traditional form) and 王婧 meets 王静 (homophone typo: same pinyin). The CSV is
committed; the two packages are needed only to regenerate it:

    .venv/bin/pip install pypinyin==0.55.0 opencc-purepy==1.5.0
    .venv/bin/python seeds/identity/generate_han_characters.py
"""

from __future__ import annotations

import csv
from pathlib import Path

from opencc_purepy import OpenCC
from pypinyin import Style, lazy_pinyin


def main() -> None:
    t2s, s2t = OpenCC("t2s"), OpenCC("s2t")
    chars = set()
    for code in range(0x4E00, 0xA000):
        c = chr(code)
        try:
            c.encode("gb2312")
        except UnicodeEncodeError:
            continue
        chars.add(c)
        chars.update(s2t.convert(c))
    rows = []
    for c in sorted(chars):
        simplified = t2s.convert(c)
        if len(simplified) != 1:
            continue
        reading = lazy_pinyin(simplified, style=Style.NORMAL, errors="ignore")
        if not reading or not reading[0].isascii():
            continue
        rows.append((c, simplified, reading[0]))
    out = Path(__file__).with_name("han_characters.csv")
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["han_char", "simplified_char", "pinyin"])
        w.writerows(rows)
    print(f"{len(rows)} characters -> {out}")


if __name__ == "__main__":
    main()
