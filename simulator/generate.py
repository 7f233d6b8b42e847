"""``crmwh generate``: write every system's batch for every business day, and the truth.

Day 1 delivers FULL extracts of everything (a DELTA table's first batch is a full extract);
later days deliver DELTA tables' rows created or changed that day, FULL tables' current rows
and EVENT tables' events of the day. No wall-clock time is used anywhere: same seed, same bytes.

Failed transfers and late or repeated deliveries, on request:

* ``--corrupt SYSTEM:DATE:KIND`` writes the batch, then breaks it as a failed transfer does:
  ``rows`` the largest file loses its last record (ROWS, BYTES and MD5 no longer match);
  ``bytes`` 16 NUL bytes are appended to the largest file (BYTES and MD5 differ, ROWS still
  match); ``md5`` one digit in the middle of the largest file changes (only MD5 differs);
  ``missing_ok`` the flag file never arrives; ``unlisted`` an extra .dat file the flag does
  not list appears in the directory.
* ``--redeliver SYSTEM:DATE`` re-delivers the batch after everything else is written, with
  REDELIVERY=1: the same records with their line defects repaired (no wrong field counts,
  bad dates, bad amounts or bad bytes; exact duplicate lines removed) and names with stray
  spaces trimmed in the customer table. The source state is corrected at that date too, so
  later batches carry the trimmed names; events and FULL snapshots are the same rows. The
  state as of later days is therefore exactly as if the corrected batch had come first. The
  directory is replaced and the new flag written last. truth/defects.parquet then describes the
  re-delivered files; the superseded defects go to truth/defects_superseded.parquet.
* ``--withhold SYSTEM:DATE`` writes the files but holds the flag back under truth/held/;
  ``crmwh release SYSTEM:DATE`` later puts it in place (a late delivery).

Truth ($CRM_DATA_DIR/truth, for tests and benchmarks only; contracts.md):
customer_records, persons, enterprises, defects (+ defects_superseded after a re-delivery),
branch_changes, manifest.json, and for convenience entity_aum (each entity's CNY deposits at
the end of every day) and branches_final (the branch tree after the last day).
persons also carries aum_target_yuan, aum_first_day_yuan, total_credit_limit_yuan,
id_region_code (the region in the identity number), home_branch and salary_day.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from crmwh.config import SYSTEMS, TABLES
from simulator import defects, render
from simulator.loans import five_class
from simulator.world import World, build_world, rng_for
from simulator.writer import FORMATS, WrittenFile, flag_text, write_table

CORRUPT_KINDS = ("rows", "bytes", "md5", "missing_ok", "unlisted")
# a table of a batch, rendered when called: (text columns in spec order, defect labels or None)
Render = Callable[[], tuple[pl.DataFrame, pl.DataFrame | None]]


@dataclass
class Options:
    persons: int = 20000
    enterprises: int = 2000
    days: int = 5
    start: dt.date = dt.date(2026, 11, 1)
    seed: int = 20261101
    profile: str = "default"
    corrupt: list[tuple[str, dt.date, str]] = field(default_factory=list)
    redeliver: list[tuple[str, dt.date]] = field(default_factory=list)
    withhold: list[tuple[str, dt.date]] = field(default_factory=list)


@dataclass
class Summary:
    files: int = 0
    rows: int = 0
    nbytes: int = 0
    seconds: float = 0.0
    first_day_seconds: float = 0.0

    def line(self) -> str:
        return (
            f"generated {self.files} files, {self.rows:,} rows, {self.nbytes / 1e6:,.1f} MB "
            f"in {self.seconds:.1f} s (first day {self.first_day_seconds:.1f} s)"
        )


def _ymd(d: dt.date) -> str:
    return d.strftime("%Y%m%d")


def batch_dir(landing: Path, system: str, day: dt.date) -> Path:
    return landing / system / _ymd(day)


class Generator:
    def __init__(self, opts: Options, data_dir: Path) -> None:
        self.opts = opts
        self.landing = data_dir / "landing"
        self.truth = data_dir / "truth"
        self.profile = defects.PROFILES[opts.profile]
        self.line_rates = {
            k: getattr(self.profile, k)
            for k in ("field_count", "bad_date", "bad_amount", "bad_encoding", "duplicate_record")
        }
        self.defect_frames: list[pl.DataFrame] = []
        self.superseded: list[pl.DataFrame] = []
        self.staged: dict[tuple[str, dt.date], Path] = {}
        self.aum_frames: list[pl.DataFrame] = []
        self.summary = Summary()

    # ------------------------------------------------------------------------- tables
    def tables(self, w: World, system: str, day: dt.date, first: bool) -> dict[str, Render]:
        """Each table of the system's batch for ``day``, rendered on demand (one at a time)."""

        def delta(df: pl.DataFrame, visible: pl.Expr) -> pl.DataFrame:
            df = df.filter(visible)
            return df if first else df.filter(pl.col("upd_date") == day)

        def live_accounts() -> pl.DataFrame:
            a = w.accounts
            return a.filter((pl.col("open_date") <= day) & (pl.col("close_date") >= day))

        def loan_balance() -> tuple[pl.DataFrame, None]:
            lc = w.loans
            bal = lc.filter((pl.col("start_date") <= day) & (pl.col("settled_on") >= day))
            five = pl.Series(five_class(bal["overdue_days"].to_numpy(), bal["mention"].to_numpy()))
            five = pl.select(
                pl.when(bal["status"] == "W").then(pl.lit("5")).otherwise(five)
            ).to_series()
            return render.render_loan_balance(bal, five), None

        def card_statement() -> tuple[pl.DataFrame, None]:
            st = w.cards.filter(
                (pl.col("card_kind") == "C")
                & (pl.col("open_date") <= day)
                & (pl.col("status") != "C")
            )
            return render.render_card_statement(st), None

        opened = pl.col("open_date") <= day
        r = render
        out: dict[str, Render] = {
            "core_customer": lambda: r.render_core_customer(delta(w.recs["core"], opened)),
            "core_account": lambda: (r.render_core_account(delta(w.accounts, opened)), None),
            "core_balance": lambda: (r.render_core_balance(live_accounts()), None),
            "core_txn": lambda: (r.render_core_txn(w.core_txn), None),
            "core_fx_rate": lambda: (
                r.render_fx(w.fx, live_accounts()["currency"].unique().to_list()),
                None,
            ),
            "card_holder": lambda: r.render_card_holder(delta(w.recs["card"], opened)),
            "card_account": lambda: (r.render_card_account(delta(w.cards, opened)), None),
            "card_txn": lambda: (r.render_card_txn(w.card_txn), None),
            "card_statement": card_statement,
            "loan_customer": lambda: r.render_loan_customer(delta(w.recs["loan"], opened)),
            "loan_contract": lambda: (
                r.render_loan_contract(delta(w.loans, pl.col("start_date") <= day)),
                None,
            ),
            "loan_balance": loan_balance,
            "org_branch": lambda: (r.render_org_branch(w.org.branches), None),
            "org_staff": lambda: (r.render_org_staff(w.org.staff), None),
            "org_rm_assignment": lambda: (r.render_rm(w.assign, day), None),
            "chan_consent": lambda: (r.render_consent(w.consent_events), None),
        }
        return {t: out[t] for t in TABLES[system]}

    # ------------------------------------------------------------------------ batches
    def write_batch(
        self,
        system: str,
        day: dt.date,
        tables: dict,
        directory: Path,
        rates: dict[str, float],
        redelivery: int,
        tag: int,
    ) -> tuple[list[WrittenFile], pl.DataFrame]:
        directory.mkdir(parents=True, exist_ok=True)
        ff = FORMATS[system]
        files: list[WrittenFile] = []
        truths = []
        for t_i, table in enumerate(TABLES[system]):
            df, labels = tables[table]()
            name = f"{table}_{_ymd(day)}.dat"
            rng = rng_for(self.opts.seed, 500 + tag, SYSTEMS.index(system), t_i, day.toordinal())
            wf, truth = write_table(
                directory / name, df, ff, render.SPECS[table], rng, rates, labels
            )
            files.append(wf)
            truths.append(
                truth.with_columns(
                    pl.lit(system).alias("system"),
                    pl.lit(table).alias("table_name"),
                    pl.lit(day).alias("biz_date"),
                    pl.lit(name).alias("file"),
                )
            )
        (directory / f"{system}_{_ymd(day)}.ok").write_text(
            flag_text(system, _ymd(day), files, redelivery)
        )
        return files, pl.concat(truths).select(
            "system",
            "table_name",
            "biz_date",
            "file",
            "line_no",
            "source_key",
            "defect_kind",
            "detail",
        )

    def run(self) -> Summary:
        t0 = time.perf_counter()
        o = self.opts
        _clear_previous_run(self.landing, self.truth)
        self.landing.mkdir(parents=True)
        self.truth.mkdir(parents=True)
        w = build_world(o.seed, o.persons, o.enterprises, o.start, o.days, self.profile)
        redo = set(o.redeliver)
        for i in range(o.days):
            day = o.start + dt.timedelta(days=i)
            w.advance(day, i)
            self.aum_frames.append(_entity_aum(w, day))
            for system in SYSTEMS:
                tables = self.tables(w, system, day, first=i == 0)
                directory = batch_dir(self.landing, system, day)
                files, truth = self.write_batch(
                    system, day, tables, directory, self.line_rates, 0, 0
                )
                self._count(files)
                if (system, day) in redo:
                    stage = self.truth / "redeliver_stage" / system / _ymd(day)
                    fixed = _corrected(tables)
                    zero = {k: 0.0 for k in self.line_rates}
                    _, truth2 = self.write_batch(system, day, fixed, stage, zero, 1, 1)
                    self.staged[(system, day)] = stage
                    self.superseded.append(truth)
                    truth = truth2
                    if system in w.recs:  # the source fixed those names: later batches agree
                        w.recs[system] = _trim_delivered_names(w.recs[system], day, i == 0)
                self.defect_frames.append(truth)
                self._break(system, day, directory)
            if i == 0:
                self.summary.first_day_seconds = time.perf_counter() - t0
        self._redeliver()
        self._truth(w)
        self.summary.seconds = time.perf_counter() - t0
        return self.summary

    def _count(self, files: list[WrittenFile]) -> None:
        self.summary.files += len(files) + 1
        self.summary.rows += sum(f.rows for f in files)
        self.summary.nbytes += sum(f.nbytes for f in files)

    def _batch_defect(self, system: str, day: dt.date, file: str, kind: str, detail: str) -> None:
        self.defect_frames.append(
            pl.DataFrame(
                {
                    "system": [system],
                    "table_name": [None],
                    "biz_date": [day],
                    "file": [file],
                    "line_no": [None],
                    "source_key": [None],
                    "defect_kind": [kind],
                    "detail": [detail],
                },
                schema=DEFECT_SCHEMA,
            )
        )

    def _break(self, system: str, day: dt.date, directory: Path) -> None:
        for s, d, kind in self.opts.corrupt:
            if (s, d) != (system, day):
                continue
            flag = directory / f"{system}_{_ymd(day)}.ok"
            dats = sorted(directory.glob("*.dat"), key=lambda p: (-p.stat().st_size, p.name))
            big = dats[0]
            if kind == "rows":
                data = big.read_bytes()
                eol = b"\r\n" if FORMATS[system].record_sep == "CRLF" else b"\n"
                cut = data.rstrip(eol).rfind(eol)
                big.write_bytes(data[: cut + len(eol)] if cut >= 0 else b"")
                self._batch_defect(
                    system, day, big.name, "batch_rows_mismatch", "last record lost in transfer"
                )
            elif kind == "bytes":
                with open(big, "ab") as f:
                    f.write(b"\x00" * 16)
                self._batch_defect(
                    system,
                    day,
                    big.name,
                    "batch_bytes_mismatch",
                    "16 NUL bytes appended in transfer",
                )
            elif kind == "md5":
                data = bytearray(big.read_bytes())
                mid = len(data) // 2
                j = next((k for k in range(mid, len(data)) if 48 <= data[k] <= 57), None)
                if j is None:
                    j = next(k for k in range(len(data)) if 48 <= data[k] <= 57)
                data[j] = 48 + (data[j] - 48 + 1) % 10
                big.write_bytes(bytes(data))
                self._batch_defect(
                    system, day, big.name, "batch_md5_mismatch", f"byte {j} changed in transfer"
                )
            elif kind == "missing_ok":
                flag.unlink()
                self._batch_defect(
                    system, day, flag.name, "batch_missing_ok", "flag file never delivered"
                )
            elif kind == "unlisted":
                extra = directory / f"{TABLES[system][0]}_{_ymd(day)}_01.dat"
                shutil.copyfile(big, extra)
                self._batch_defect(
                    system,
                    day,
                    extra.name,
                    "batch_unlisted_file",
                    "a .dat file the flag does not list",
                )
        for s, d in self.opts.withhold:
            if (s, d) == (system, day):
                flag = directory / f"{system}_{_ymd(day)}.ok"
                held = self.truth / "held" / system / _ymd(day)
                held.mkdir(parents=True, exist_ok=True)
                if flag.exists():
                    shutil.move(flag, held / flag.name)
                self._batch_defect(
                    system, day, flag.name, "late_delivery", "flag held back until `crmwh release`"
                )

    def _redeliver(self) -> None:
        for (system, day), stage in sorted(self.staged.items()):
            target = batch_dir(self.landing, system, day)
            if target.exists():
                shutil.rmtree(target)
            target.mkdir(parents=True)
            flag = f"{system}_{_ymd(day)}.ok"
            for f in sorted(stage.glob("*.dat")):
                shutil.move(f, target / f.name)
            shutil.move(stage / flag, target / flag)  # the flag last
            shutil.rmtree(stage)
            self._batch_defect(
                system,
                day,
                flag,
                "redelivery",
                "REDELIVERY=1: line defects repaired, names trimmed",
            )
        stage_root = self.truth / "redeliver_stage"
        if stage_root.exists():
            shutil.rmtree(stage_root)

    # -------------------------------------------------------------------------- truth
    def _truth(self, w: World) -> None:
        t = self.truth
        recs = pl.concat(
            [
                r.select(
                    pl.lit(s).alias("source_system"),
                    pl.col("key").alias("source_customer_no"),
                    "entity_id",
                    pl.col("kind").alias("entity_kind"),
                    "first_biz_date",
                    pl.col("rank").cast(pl.Int32).alias("rank_in_system"),
                )
                for s, r in w.recs.items()
            ]
        ).filter(
            pl.col("first_biz_date") <= self.opts.start + dt.timedelta(days=self.opts.days - 1)
        )
        recs.write_parquet(t / "customer_records.parquet")
        pre = (
            w.recs["core"]
            .filter(pl.col("open_date") < dt.date(1999, 11, 1))
            .select("entity_id")
            .unique()
            .with_columns(pl.lit(True).alias("pre_realname"))
        )
        limits = (
            w.cards.filter((pl.col("card_kind") == "C") & (pl.col("status") != "C"))
            .group_by("entity_id")
            .agg(pl.col("credit_limit").sum().alias("limit_fen"))
        )
        aum_daily = pl.concat(self.aum_frames)
        aum_daily.write_parquet(t / "entity_aum.parquet")
        first_aum = aum_daily.filter(pl.col("biz_date") == self.opts.start).select(
            "entity_id", pl.col("aum_cny_yuan").alias("aum_first_day_yuan")
        )
        persons = (
            w.persons.join(pre, on="entity_id", how="left", maintain_order="left")
            .join(first_aum, on="entity_id", how="left", maintain_order="left")
            .join(
                w.aum.select("entity_id", "aum", "drain_start_date"),
                on="entity_id",
                how="left",
                maintain_order="left",
            )
            .join(limits, on="entity_id", how="left", maintain_order="left")
            .with_columns(
                pl.col("pre_realname").fill_null(False),
                (pl.col("aum") / 100).alias("aum_target_yuan"),
                pl.col("aum_first_day_yuan").fill_null(0.0),
                # deposits of at least 500,000 yuan on the first day, card limits of at most
                # 20,000 yuan in total (or no credit card at all)
                (
                    (pl.col("aum_first_day_yuan").fill_null(0.0) >= 500_000)
                    & (pl.col("limit_fen").fill_null(0) <= 2_000_000)
                ).alias("under_limited"),
                (pl.col("limit_fen").fill_null(0) / 100).alias("total_credit_limit_yuan"),
            )
            .drop("aum", "limit_fen")
        )
        persons.write_parquet(t / "persons.parquet")
        ents = w.ents.with_columns(pl.col("reg_capital").cast(pl.Float64))
        ents.join(
            w.aum.select("entity_id", (pl.col("aum") / 100).alias("aum_target_yuan")),
            on="entity_id",
            how="left",
            maintain_order="left",
        ).write_parquet(t / "enterprises.parquet")
        df = (
            pl.concat([f.cast(DEFECT_SCHEMA) for f in self.defect_frames])
            if self.defect_frames
            else pl.DataFrame(schema=DEFECT_SCHEMA)
        )
        df.write_parquet(t / "defects.parquet")
        if self.superseded:
            pl.concat([f.cast(DEFECT_SCHEMA) for f in self.superseded]).write_parquet(
                t / "defects_superseded.parquet"
            )
        bc = (
            pl.DataFrame(w.changes, schema=BRANCH_CHANGE_SCHEMA)
            if w.changes
            else pl.DataFrame(schema=BRANCH_CHANGE_SCHEMA)
        )
        bc.write_parquet(t / "branch_changes.parquet")
        w.org.branches.write_parquet(t / "branches_final.parquet")
        o = self.opts
        manifest = {
            "persons": o.persons,
            "enterprises": o.enterprises,
            "days": o.days,
            "start": o.start.isoformat(),
            "seed": o.seed,
            "profile": self.profile.as_dict(),
            "corrupted": [
                {"system": s, "biz_date": d.isoformat(), "kind": k} for s, d, k in o.corrupt
            ],
            "redelivered": [{"system": s, "biz_date": d.isoformat()} for s, d in o.redeliver],
            "withheld": [{"system": s, "biz_date": d.isoformat()} for s, d in o.withhold],
        }
        (t / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")


DEFECT_SCHEMA = {
    "system": pl.String,
    "table_name": pl.String,
    "biz_date": pl.Date,
    "file": pl.String,
    "line_no": pl.Int64,
    "source_key": pl.String,
    "defect_kind": pl.String,
    "detail": pl.String,
}
BRANCH_CHANGE_SCHEMA = {
    "biz_date": pl.Date,
    "change_kind": pl.String,
    "branch_code": pl.String,
    "old_value": pl.String,
    "new_value": pl.String,
}


def _entity_aum(w: World, day: dt.date) -> pl.DataFrame:
    """Each entity's deposits at the end of ``day`` in CNY (truth/entity_aum.parquet)."""
    rates = pl.DataFrame({"currency": list(w.fx), "rate": list(w.fx.values())})
    return (
        w.accounts.filter((pl.col("open_date") <= day) & (pl.col("close_date") >= day))
        .join(rates, on="currency", how="left")
        .group_by("entity_id")
        .agg(
            (pl.col("bal") * pl.col("rate")).sum().truediv(100).round(2).alias("aum_cny_yuan"),
            pl.len().cast(pl.Int32).alias("accounts"),
        )
        .with_columns(pl.lit(day).alias("biz_date"))
        .select("biz_date", "entity_id", "aum_cny_yuan", "accounts")
        .sort("entity_id")
    )


def _trim_delivered_names(rec: pl.DataFrame, day: dt.date, first: bool) -> pl.DataFrame:
    """Apply a re-delivery's name corrections to the source state, so every later batch
    carries the corrected name: the state is as if the corrected batch had come first."""
    delivered = pl.col("open_date") <= day
    if not first:
        delivered = delivered & (pl.col("upd_date") == day)
    fix = delivered & (pl.col("d_name") == "name_spaces").fill_null(False)
    return rec.with_columns(
        pl.when(fix)
        .then(pl.col("name").str.replace_all("[ \u3000]", ""))
        .otherwise(pl.col("name"))
        .alias("name"),
        pl.when(fix).then(None).otherwise(pl.col("d_name")).alias("d_name"),
    )


def _corrected(tables: dict[str, Render]) -> dict[str, Render]:
    """The redelivered content: the same rows; names with stray spaces trimmed."""

    def fix(table: str, made: tuple[pl.DataFrame, pl.DataFrame | None]):
        df, labels = made
        if labels is not None and "d_name" in labels.columns:
            name_col = "cust_name" if table == "core_customer" else "name"
            spaced = (labels["d_name"] == "name_spaces").fill_null(False)
            df = df.with_columns(
                pl.when(spaced)
                .then(pl.col(name_col).str.replace_all("[ \u3000]", ""))
                .otherwise(pl.col(name_col))
                .alias(name_col)
            )
            labels = labels.with_columns(
                pl.when(spaced).then(None).otherwise(pl.col("d_name")).alias("d_name")
            )
        return df, labels

    return {t: (lambda t=t, f=f: fix(t, f())) for t, f in tables.items()}


TRUTH_ENTRIES = {
    "entity_aum.parquet",
    "customer_records.parquet",
    "persons.parquet",
    "enterprises.parquet",
    "defects.parquet",
    "defects_superseded.parquet",
    "branch_changes.parquet",
    "branches_final.parquet",
    "manifest.json",
    "held",
    "redeliver_stage",
}


def _clear_previous_run(landing: Path, truth: Path) -> None:
    """Delete the previous run's landing/ and truth/, but only if they hold nothing else.

    A landing directory with anything but the five systems' folders (or a truth directory
    with files the simulator never writes) is not ours: refuse rather than delete it.
    """
    for d, allowed in ((landing, set(SYSTEMS)), (truth, TRUTH_ENTRIES)):
        if not d.exists():
            continue
        foreign = sorted(p.name for p in d.iterdir() if p.name not in allowed)
        if foreign:
            raise RuntimeError(
                f"refusing to overwrite {d}: it holds {foreign[:5]}, which the simulator did "
                "not write; point CRM_DATA_DIR at the project's data directory"
            )
    for d in (landing, truth):
        if d.exists():
            shutil.rmtree(d)


def generate(opts: Options, data_dir: Path) -> Summary:
    return Generator(opts, data_dir).run()


def release(data_dir: Path, system: str, day: dt.date) -> Path:
    """Put a withheld flag file in place: the batch arrives late."""
    held = data_dir / "truth" / "held" / system / _ymd(day) / f"{system}_{_ymd(day)}.ok"
    if not held.exists():
        raise FileNotFoundError(f"no withheld flag for {system} {_ymd(day)} at {held}")
    target = batch_dir(data_dir / "landing", system, day) / held.name
    shutil.move(held, target)
    return target
