"""Chinese personal names and the ways clerks mistype them.

Surnames follow their real frequencies; a quarter of given names are the popular whole
names (伟, 芳, 秀英 ...) so that 张伟 and 王芳 collide as they do in any large bank; the rest
are one or two characters drawn from the common characters for the sex.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from simulator import reference


def person_names(rng: np.random.Generator, sex: np.ndarray) -> pl.Series:
    """One name per row of ``sex`` (1 male, 2 female)."""
    n = len(sex)
    sn, sp = reference.surnames()
    surname = reference.pick(rng, sn, sp, n)
    given = reference.given_names()
    result = pl.Series("name", [None] * n, dtype=pl.String)
    for s in (1, 2):
        full = given.filter((pl.col("kind") == "full") & (pl.col("sex") == s))
        chars = given.filter((pl.col("kind") == "char") & (pl.col("sex") == s))
        fv = np.array(full["text"].to_list(), dtype=object)
        fp = full["weight"].to_numpy() / full["weight"].sum()
        cv = np.array(chars["text"].to_list(), dtype=object)
        cp = chars["weight"].to_numpy() / chars["weight"].sum()
        g_full = reference.pick(rng, fv, fp, n)
        g1 = reference.pick(rng, cv, cp, n)
        g2 = reference.pick(rng, cv, cp, n)
        u = rng.random(n)
        given_name = (
            pl.when(pl.Series(u < 0.25))
            .then(g_full)
            .when(pl.Series(u < 0.45))
            .then(g1)
            .otherwise(g1 + g2)
        )
        names = pl.select((surname + given_name).alias("n")).to_series()
        result = result.zip_with(pl.Series(np.asarray(sex) != s), names)
    return result.alias("name")


def _map_one_char(names: pl.Series, mapping: dict[str, str], rng: np.random.Generator) -> pl.Series:
    """Replace the first character of each name found in ``mapping`` (null where none is)."""
    keys = list(mapping)
    pattern = "[" + "".join(keys) + "]"
    found = names.str.extract("(" + pattern + ")", 1)
    repl = found.replace_strict(keys, [mapping[k] for k in keys], default=None)
    # str.replace cannot take a per-row pattern: cut around the first occurrence instead.
    # The prefix is taken by regex, in characters (str.find counts bytes, and a Chinese
    # character is three bytes in UTF-8).
    prefix = names.str.extract("^(.*?)" + pattern, 1)
    out = pl.DataFrame({"n": names, "p": prefix, "r": repl}).select(
        pl.when(pl.col("r").is_not_null())
        .then(pl.col("p") + pl.col("r") + pl.col("n").str.slice(pl.col("p").str.len_chars() + 1))
        .otherwise(None)
    )
    return out.to_series()


def traditional_variant(names: pl.Series, rng: np.random.Generator) -> pl.Series:
    """张伟 -> 張伟: the first character that has a traditional form is written in it."""
    return _map_one_char(names, reference.traditional_map(), rng)


def homophone_variant(names: pl.Series, rng: np.random.Generator) -> pl.Series:
    """王静 -> 王婧: one given-name character replaced by a same-sounding one."""
    surname_len = 1
    head = names.str.slice(0, surname_len)
    tail = names.str.slice(surname_len)
    mapped = _map_one_char(tail, reference.homophone_map(), rng)
    return pl.select(pl.when(mapped.is_not_null()).then(head + mapped)).to_series()


def spaces_variant(names: pl.Series, rng: np.random.Generator) -> pl.Series:
    """Leading, trailing or full-width spaces, as keyed at a counter."""
    kind = pl.Series(rng.integers(0, 3, size=len(names)))
    return pl.select(
        pl.when(kind == 0)
        .then(" " + names)
        .when(kind == 1)
        .then(names + "  ")
        .otherwise(names.str.slice(0, 1) + "\u3000" + names.str.slice(1))
    ).to_series()
