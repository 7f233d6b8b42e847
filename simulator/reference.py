"""The small reference lists under simulator/data/, loaded once.

Region codes are real GB/T 2260 codes (all 31 provinces, a realistic set of prefecture cities
and districts); surname shares follow the published frequency tables, so the common names
(张伟, 王芳, 李娜) collide as often as they do in a real bank.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import polars as pl

DATA_DIR = Path(__file__).resolve().parent / "data"


def _read(name: str) -> pl.DataFrame:
    return pl.read_csv(DATA_DIR / name, infer_schema_length=0)


@cache
def regions() -> pl.DataFrame:
    """code (int), name, level (1 province, 2 city, 3 district), parent (int), weight."""
    df = _read("regions.csv")
    return df.with_columns(
        pl.col("code").cast(pl.Int64),
        pl.col("level").cast(pl.Int8),
        pl.col("parent").cast(pl.Int64),
        pl.col("weight").cast(pl.Float64),
    )


@cache
def districts() -> pl.DataFrame:
    """One row per district: code, name, city code/name, province code/name, province weight."""
    r = regions()
    prov = r.filter(pl.col("level") == 1).select(
        pl.col("code").alias("prov_code"), pl.col("name").alias("prov_name"), "weight"
    )
    city = r.filter(pl.col("level") == 2).select(
        pl.col("code").alias("city_code"),
        pl.col("name").alias("city_name"),
        pl.col("parent").alias("prov_code"),
    )
    dist = r.filter(pl.col("level") == 3).select(
        "code", "name", pl.col("parent").alias("city_code")
    )
    return (
        dist.join(city, on="city_code")
        .join(prov, on="prov_code")
        .sort("code")
        .with_columns(
            # A district's share of the population: its province's, split among its districts.
            (pl.col("weight") / pl.len().over("prov_code")).alias("dist_weight")
        )
    )


@cache
def surnames() -> tuple[np.ndarray, np.ndarray]:
    df = _read("surnames.csv")
    w = df["share"].cast(pl.Float64).to_numpy()
    return np.array(df["surname"].to_list(), dtype=object), w / w.sum()


@cache
def given_names() -> pl.DataFrame:
    """kind ('full' whole given name, 'char' one character), sex, text, weight."""
    return _read("given_names.csv").with_columns(
        pl.col("sex").cast(pl.Int8), pl.col("weight").cast(pl.Float64)
    )


@cache
def traditional_map() -> dict[str, str]:
    df = _read("traditional.csv")
    return dict(zip(df["simplified"].to_list(), df["traditional"].to_list(), strict=True))


@cache
def homophone_map() -> dict[str, str]:
    """char -> one homophone (the first listed alternative)."""
    df = _read("homophones.csv")
    return {c: alts[0] for c, alts in zip(df["char"], df["alternatives"], strict=True)}


@cache
def parts(kind: str) -> tuple[np.ndarray, np.ndarray]:
    df = _read("enterprise_parts.csv").filter(pl.col("kind") == kind)
    w = df["weight"].cast(pl.Float64).to_numpy()
    return np.array(df["text"].to_list(), dtype=object), w / w.sum()


def pick(rng: np.random.Generator, values: np.ndarray, p: np.ndarray, n: int) -> pl.Series:
    """n weighted draws from a small list, as a String Series (index draw + one gather)."""
    idx = rng.choice(len(values), size=n, p=p)
    return pl.Series(values.tolist(), dtype=pl.String).gather(idx)
