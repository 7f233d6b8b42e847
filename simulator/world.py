"""The simulated bank at the start of the first business day, and its daily evolution.

``build_world`` draws the organisation, the true persons and enterprises, their customer
records in each system (with the record defects of the profile), accounts, cards, loans,
consents and RM assignments. ``World.advance`` moves it through one business day and returns
that day's events. Every random draw comes from a generator seeded by (seed, component, day),
so the same seed always gives the same bank, byte for byte.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from simulator import accounts as acc
from simulator import cards as cardmod
from simulator import consents, customers, defects, ledger, loans, org, population, rm


def rng_for(seed: int, *tags: int) -> np.random.Generator:
    return np.random.default_rng([seed, *tags])


@dataclass
class World:
    seed: int
    start: dt.date
    days: int
    profile: defects.Profile
    org: org.Org
    persons: pl.DataFrame
    ents: pl.DataFrame
    recs: dict[str, pl.DataFrame]
    aum: pl.DataFrame
    accounts: pl.DataFrame
    cards: pl.DataFrame
    loans: pl.DataFrame
    consent_state: pl.DataFrame
    consent_records: pl.DataFrame
    assign: pl.DataFrame
    fx: dict[str, float]
    changes: list[dict] = field(default_factory=list)
    # the day's events, filled by advance()
    core_txn: pl.DataFrame | None = None
    card_txn: pl.DataFrame | None = None
    consent_events: pl.DataFrame | None = None

    def rng(self, *tags: int) -> np.random.Generator:
        return rng_for(self.seed, *tags)

    # ------------------------------------------------------------------ one business day
    def advance(self, day: dt.date, index: int) -> None:
        """Move the bank through ``day`` (index 0 is the first business day)."""
        if index > 0:
            self.changes.extend(org.apply_day_changes(self.org, self.rng(100, index), day, index))
            for j, system in enumerate(("core", "card", "loan")):
                self.recs[system] = self._customer_changes(system, self.rng(110 + j, index), day)
            self.assign = rm.reassign_day(
                self.rng(120, index), self.assign, org.active_rms(self.org), day, self._branch_of()
            )
        self.fx = _fx_walk(self.fx, self.rng(130, index))
        drain = self.aum.filter(pl.col("drain_start_date").is_not_null()).select(
            "entity_id", "drain_start_date"
        )
        due = loans.due_today(self.loans, day) if index > 0 else None
        self.accounts, txns, pos, (paid, failed) = ledger.core_day(
            self.accounts, self.persons, drain, self.rng(140, index), day, due
        )
        self.core_txn = txns.with_columns(
            (
                pl.lit("T" + day.strftime("%Y%m%d"))
                + pl.int_range(1, pl.len() + 1).cast(pl.String).str.pad_start(9, "0")
            ).alias("txn_id")
        )
        self._close_drained(day)
        self.cards, ctx = ledger.card_day(self.cards, pos, self.rng(150, index), day)
        self.card_txn = ctx.with_columns(
            (
                pl.lit("A" + day.strftime("%Y%m%d"))
                + pl.int_range(1, pl.len() + 1).cast(pl.String).str.pad_start(9, "0")
            ).alias("auth_id")
        )
        if index > 0:  # the first day's loan state is the opening extract
            self.loans = loans.advance_day(self.loans, self.rng(160, index), day, paid, failed)
        self.consent_state, ev = consents.consent_day(
            self.consent_state, self.consent_records, self.rng(170, index), day, first=index == 0
        )
        self.consent_events = ev.with_columns(
            (
                pl.lit("EV" + day.strftime("%Y%m%d"))
                + pl.int_range(1, pl.len() + 1).cast(pl.String).str.pad_start(9, "0")
            ).alias("event_id")
        )

    def _branch_of(self) -> pl.DataFrame:
        return pl.concat(
            [
                r.select(
                    pl.lit(s).alias("source_system"),
                    pl.col("key").alias("source_cust_no"),
                    "branch",
                )
                for s, r in self.recs.items()
            ]
        )

    def _customer_changes(
        self, system: str, rng: np.random.Generator, day: dt.date
    ) -> pl.DataFrame:
        """A few customers report a new mobile or address to this system today."""
        rec = self.recs[system]
        n = len(rec)
        live = ((rec["open_date"] < day) & (rec["status"] == "A")).to_numpy()
        new_mobile = live & (rng.random(n) < 0.0005)
        new_addr = live & (rng.random(n) < 0.0003) & rec["region"].is_not_null().to_numpy()
        changed = new_mobile | new_addr
        if not changed.any():
            return rec
        region = rec["region"].fill_null("110101").cast(pl.Int64).to_numpy()
        ts = np.datetime64(day).astype("datetime64[us]") + rng.integers(
            8 * 3600, 20 * 3600, size=n
        ).astype("timedelta64[s]")
        rec = rec.with_columns(
            pl.when(pl.Series(new_mobile))
            .then(population.mobiles(rng, n))
            .otherwise(pl.col("mobile"))
            .alias("mobile"),
            pl.when(pl.Series(new_addr))
            .then(population.addresses(rng, region))
            .otherwise(pl.col("address"))
            .alias("address"),
            pl.when(pl.Series(changed))
            .then(pl.Series(ts).cast(pl.Datetime("us")))
            .otherwise(pl.col("upd_ts"))
            .alias("upd_ts"),
        ).with_columns(pl.col("upd_ts").dt.date().alias("upd_date"))
        # the person's true contact data is the latest they gave the bank
        latest = (
            rec.filter(pl.Series(changed) & (pl.col("kind") == "P"))
            .select(
                "entity_id",
                pl.col("mobile").alias("m_new"),
                pl.col("address").alias("a_new"),
                pl.Series(new_mobile).filter(pl.Series(changed) & (rec["kind"] == "P")).alias("fm"),
                pl.Series(new_addr).filter(pl.Series(changed) & (rec["kind"] == "P")).alias("fa"),
            )
            .unique("entity_id", keep="last", maintain_order=True)
        )
        p = self.persons.join(latest, on="entity_id", how="left", maintain_order="left")
        self.persons = p.with_columns(
            pl.when(pl.col("fm").fill_null(False))
            .then(pl.col("m_new"))
            .otherwise(pl.col("mobile"))
            .alias("mobile"),
            pl.when(pl.col("fa").fill_null(False))
            .then(pl.col("a_new"))
            .otherwise(pl.col("address"))
            .alias("address"),
        ).drop("m_new", "a_new", "fm", "fa")
        return rec

    def _close_drained(self, day: dt.date) -> None:
        """Customers whose every account is closed after draining close their numbers."""
        a = self.accounts
        gone = (
            a.group_by("cust_no")
            .agg(
                (pl.col("status") == "C").all().alias("all_closed"),
                (pl.col("close_date") == day).any().alias("today"),
            )
            .filter(pl.col("all_closed") & pl.col("today"))
            .select(pl.col("cust_no").alias("key"), pl.lit(True).alias("gone"))
        )
        if len(gone) == 0:
            return
        rec = self.recs["core"].join(gone, on="key", how="left", maintain_order="left")
        hit = rec["gone"].fill_null(False) & (rec["status"] == "A")
        ts = dt.datetime.combine(day, dt.time(17, 30))
        self.recs["core"] = (
            rec.with_columns(
                pl.when(hit).then(pl.lit("C")).otherwise(pl.col("status")).alias("status"),
                pl.when(hit).then(pl.lit(ts)).otherwise(pl.col("upd_ts")).alias("upd_ts"),
            )
            .with_columns(pl.col("upd_ts").dt.date().alias("upd_date"))
            .drop("gone")
        )


def _fx_walk(fx: dict[str, float], rng: np.random.Generator) -> dict[str, float]:
    """One day of exchange-rate movement (about 0.3% daily volatility)."""
    out = {}
    for c, r in fx.items():  # seven currencies
        out[c] = 1.0 if c == "CNY" else round(r * float(np.exp(rng.normal(0, 0.003))), 6)
    return out


def build_world(
    seed: int, n_persons: int, n_ents: int, start: dt.date, days: int, profile: defects.Profile
) -> World:

    def r(*tags: int) -> np.random.Generator:
        return rng_for(seed, *tags)

    o = org.build_org(r(1), n_persons, n_ents, start)
    persons = population.build_persons(r(2), n_persons, o, start)
    ents = population.build_enterprises(r(3), n_ents, persons, o, start)
    attrs = customers.entity_attributes(persons, ents)
    members = customers.memberships(r(4), persons, ents)
    outlets = o.branches.filter(pl.col("branch_level") == 5)["branch_code"]
    core = customers.build_records(r(5), "core", attrs, members["core"], outlets, start, days)
    first_open = customers.first_core_open(core, len(attrs))
    card = customers.build_records(
        r(6), "card", attrs, members["card"], outlets, start, days, first_open
    )
    loan = customers.build_records(
        r(7), "loan", attrs, members["loan"], outlets, start, days, first_open
    )
    # card applications name an employer: one of the enterprises, for those who work
    rg = r(8)
    emp = (
        ents["name"].gather(rg.integers(0, max(len(ents), 1), size=len(card)))
        if len(ents)
        else pl.Series([None] * len(card), dtype=pl.String)
    )
    card = card.with_columns(
        pl.when((pl.col("occupation") != "8") & pl.Series(rg.random(len(card)) < 0.7))
        .then(emp)
        .otherwise(None)
        .alias("employer")
    )
    recs = {
        "core": defects.apply_record_defects(r(9, 1), "core", core, profile),
        "card": defects.apply_record_defects(r(9, 2), "card", card, profile),
        "loan": defects.apply_record_defects(r(9, 3), "loan", loan, profile),
    }
    # wealth, and who drains it before leaving
    rg = r(10)
    aum_v = acc.entity_aum(rg, n_persons, n_ents)
    ent_ids = attrs["entity_id"]
    is_p = np.arange(len(ent_ids)) < n_persons
    drains = is_p & (aum_v > 2_000_000) & (rg.random(len(ent_ids)) < 0.004)
    offset = rg.integers(-20, max(days, 1), size=len(ent_ids))
    drain_start = np.where(
        drains, np.datetime64(start) + offset.astype("timedelta64[D]"), np.datetime64("NaT")
    )
    aum = pl.DataFrame(
        {"entity_id": ent_ids, "aum": aum_v, "drain_start_date": drain_start}
    ).with_columns(pl.col("drain_start_date").cast(pl.Date))
    accounts = acc.build_accounts(r(11), recs["core"], aum, start, days)
    # drainers who started before the first day have already moved part of their money
    before = aum.filter(pl.col("drain_start_date") < start).select(
        "entity_id", ((pl.lit(start) - pl.col("drain_start_date")).dt.total_days()).alias("dd")
    )
    accounts = (
        accounts.join(before, on="entity_id", how="left", maintain_order="left")
        .with_columns(
            pl.when(pl.col("dd").is_not_null() & pl.col("product_code").is_in(["D01", "C01"]))
            .then((pl.col("bal") * (0.85 ** pl.col("dd"))).round(0).cast(pl.Int64))
            .otherwise(pl.col("bal"))
            .alias("bal")
        )
        .drop("dd")
    )
    cards = cardmod.build_cards(r(12), recs["card"], accounts, start)
    contracts = loans.build_contracts(r(13), recs["loan"], start)
    all_recs = pl.concat(
        [
            rr.select(
                pl.lit(s).alias("source_system"),
                pl.col("key").alias("source_cust_no"),
                "open_date",
                "branch",
                "entity_id",
                "kind",
            )
            for s, rr in recs.items()
        ]
    )
    cstate = consents.build_consents(r(14), all_recs)
    rich = aum.filter(pl.col("aum") >= 10_000_000).select("entity_id", pl.lit(True).alias("rich"))
    q = all_recs.join(rich, on="entity_id", how="left", maintain_order="left").with_columns(
        (
            (pl.col("source_system") == "loan")
            | (
                (pl.col("source_system") == "core")
                & ((pl.col("kind") == "E") | pl.col("rich").fill_null(False))
            )
        ).alias("qualifies")
    )
    assign = rm.build_assignments(r(15), q, org.active_rms(o), start)
    return World(
        seed=seed,
        start=start,
        days=days,
        profile=profile,
        org=o,
        persons=persons,
        ents=ents,
        recs=recs,
        aum=aum,
        accounts=accounts,
        cards=cards,
        loans=contracts,
        consent_state=cstate,
        consent_records=all_recs.select("source_system", "source_cust_no", "open_date"),
        assign=assign,
        fx=dict(acc.FX_BASE),
    )
