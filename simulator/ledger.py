"""One business day of money movement: deposits, cards, interest, maturities and drains.

Every movement is a transaction (core_txn or card_txn) and changes a balance, so balances and
transactions agree. All of it is vectorised over accounts: per-account event counts are drawn
at once, expanded with ``np.repeat`` and folded back with ``np.bincount``.

Drainers (truth: persons.drain_start_date) move about 15% of what is left on each CNY demand
account out to other banks every day from their drain start, withdraw their time deposits and
wealth products early, and once their demand balances fall under 1,000 yuan transfer the rest,
close every account and the customer number.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from simulator.cards import MCC, MCC_P

TXN_CHANNELS = ["CNT", "ATM", "MOB", "WEB", "POS", "SYS"]
_CH = {c: i for i, c in enumerate(TXN_CHANNELS)}
MEMOS = [
    "开户存入",
    "代发工资",
    "转账存入",
    "快捷支付",
    "消费",
    "ATM取款",
    "网银转账",
    "柜面取款",
    "对公付款",
    "到期利息转存",
    "到期利息",
    "到期转活期",
    "提前支取",
    "跨行转出",
    "结息",
    "贷款还款",
]
_MEMO = {m: i for i, m in enumerate(MEMOS)}
# personal spending: channel, its probability and its memo
SPEND_CHANNELS = np.array([_CH["MOB"], _CH["POS"], _CH["ATM"], _CH["WEB"], _CH["CNT"]])
CHANNEL_P = np.array([0.45, 0.33, 0.1, 0.07, 0.05])
SPEND_MEMOS = np.array([_MEMO[m] for m in ("快捷支付", "消费", "ATM取款", "网银转账", "柜面取款")])


def _seg_cumsum(values: np.ndarray, group_start: np.ndarray) -> np.ndarray:
    """Cumulative sum restarting at each group (rows of a group are contiguous)."""
    c = np.cumsum(values)
    offsets = np.repeat(
        c[group_start] - values[group_start], np.diff(np.append(group_start, len(values)))
    )
    return c - offsets


def _external_accounts(rng: np.random.Generator, n: int) -> np.ndarray:
    """Counterparty account numbers at other banks (19 digits, not ours)."""
    return (rng.integers(10**15, 10**16, size=n) * 1000 + rng.integers(0, 1000, size=n)).astype(
        np.int64
    )


class DayTxns:
    """Collects the day's core transactions as column arrays."""

    def __init__(self) -> None:
        self.parts: list[dict[str, np.ndarray]] = []

    def add(
        self,
        acct: np.ndarray,
        dr_cr: str,
        amount: np.ndarray,
        channel: str | np.ndarray,
        memo: str | np.ndarray,
        counterparty: np.ndarray | None = None,
    ) -> None:
        """channel/memo: one value for all rows, or per-row codes (TXN_CHANNELS/MEMOS)."""
        k = len(acct)
        if k == 0:
            return
        self.parts.append(
            {
                "acct": np.asarray(acct, dtype=np.int64),
                "dr_cr": np.full(k, 1 if dr_cr == "C" else 0, dtype=np.int8),
                "amount": np.asarray(amount, dtype=np.int64),
                "channel": channel if isinstance(channel, np.ndarray) else np.full(k, _CH[channel]),
                "memo": memo if isinstance(memo, np.ndarray) else np.full(k, _MEMO[memo]),
                "cpty": counterparty if counterparty is not None else np.zeros(k, dtype=np.int64),
            }
        )


def core_day(
    accounts: pl.DataFrame,
    persons: pl.DataFrame,
    drain: pl.DataFrame,
    rng: np.random.Generator,
    day: dt.date,
    loan_due: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, tuple[np.ndarray, np.ndarray]]:
    """Advance deposits by one day.

    Returns (accounts, txns, pos_spend for debit cards, (paid, failed) loan rows): loan
    instalments in ``loan_due`` (row, entity_id, amount) are debited from the borrower's first
    CNY demand account where the balance allows; the others are failed (arrears).

    ``drain``: entity_id, drain_start_date for drainers.
    """
    d64 = np.datetime64(day)
    acct_no = accounts["acct_no"]
    k = len(accounts)
    bal = accounts["bal"].to_numpy().copy()
    accrued = accounts["accrued"].to_numpy().copy()
    demand = accounts["product_code"].is_in(["D01", "C01"]).to_numpy()
    is_cny = (accounts["currency"] == "CNY").to_numpy()
    # status as codes: 0 active, 1 dormant/frozen, 2 closed
    status = np.where(
        (accounts["status"] == "A").to_numpy(),
        0,
        np.where((accounts["status"] == "C").to_numpy(), 2, 1),
    )
    was_closed = status == 2
    open_d = accounts["open_date"].to_numpy().astype("datetime64[D]")
    close_d = accounts["close_date"].to_numpy().astype("datetime64[D]").copy()
    maturity = accounts["maturity"].to_numpy().astype("datetime64[D]").copy()
    term = accounts["term"].to_numpy()
    ent = accounts["entity_id"]
    live = (open_d <= d64) & (status != 2)
    changed = np.zeros(k, dtype=bool)
    tx = DayTxns()

    # opening deposits
    opening = (open_d == d64) & live & (bal > 0)
    idx = np.flatnonzero(opening)
    tx.add(idx, "C", bal[idx], "CNT", "开户存入")

    is_cny_demand = live & demand & is_cny & (status == 0) & ~opening
    ent_idx = ent.str.slice(1).cast(pl.Int64).to_numpy()
    is_person = (ent.str.slice(0, 1) == "P").to_numpy()

    # salary credits on the person's pay day, into their first CNY demand account
    first_demand = np.zeros(k, dtype=bool)
    cand = np.flatnonzero(is_cny_demand & is_person)
    if len(cand):
        _, first_pos = np.unique(ent_idx[cand], return_index=True)
        first_demand[cand[first_pos]] = True
    pay_day = persons["salary_day"].to_numpy()
    occ = persons["occupation"].to_numpy()
    income = persons["annual_income"].to_numpy()
    p_row = np.where(is_person, ent_idx - 1, 0)
    salaried = first_demand & (pay_day[p_row] == day.day) & (occ[p_row] != "8")
    idx = np.flatnonzero(salaried)
    amt = np.round(income[p_row[idx]] / 12 * rng.uniform(0.8, 1.2, size=len(idx)) * 100).astype(
        np.int64
    )
    tx.add(idx, "C", amt, "SYS", "代发工资", _external_accounts(rng, len(idx)))
    np.add.at(bal, idx, amt)

    # incoming transfers
    inc = is_cny_demand & (rng.random(k) < np.where(is_person, 0.04, 0.5))
    idx = np.flatnonzero(inc)
    amt = np.round(
        np.exp(rng.normal(np.log(np.where(is_person[idx], 2000, 30000)), 1.0)) * 100
    ).astype(np.int64)
    tx.add(idx, "C", amt, "MOB", "转账存入", _external_accounts(rng, len(idx)))
    np.add.at(bal, idx, amt)

    # loan instalments, from the borrower's first CNY demand account, before any spending
    paid_rows = failed_rows = np.zeros(0, dtype=np.int64)
    cand = np.flatnonzero(is_cny_demand)
    if loan_due is not None and len(loan_due) and len(cand):
        ekey = ent_idx + np.where(is_person, 0, 10**10)
        keys, first_pos = np.unique(ekey[cand], return_index=True)
        acct_of = cand[first_pos]
        le = loan_due["entity_id"]
        lkey = le.str.slice(1).cast(pl.Int64).to_numpy() + np.where(
            (le.str.slice(0, 1) == "P").to_numpy(), 0, 10**10
        )
        pos = np.minimum(np.searchsorted(keys, lkey), len(keys) - 1)
        has = keys[pos] == lkey
        rows = loan_due["row"].to_numpy()[has]
        acct = acct_of[pos[has]]
        amt = loan_due["amount"].to_numpy()[has]
        order = np.argsort(acct, kind="stable")
        rows, acct, amt = rows[order], acct[order], amt[order]
        if len(acct):
            starts = np.flatnonzero(np.r_[True, acct[1:] != acct[:-1]])
            ok = _seg_cumsum(amt, starts) <= bal[acct]
            tx.add(acct[ok], "D", amt[ok], "SYS", "贷款还款")
            np.subtract.at(bal, acct[ok], amt[ok])
            paid_rows, failed_rows = rows[ok], rows[~ok]

    # spending: Poisson count per account, amounts clipped so the balance stays >= 0
    lam = np.where(is_cny_demand, np.where(is_person, np.where(first_demand, 0.5, 0.1), 1.2), 0)
    counts = rng.poisson(lam)
    idx = np.repeat(np.arange(k), counts)
    n = len(idx)
    pos_spend = pl.DataFrame(
        {"acct_no": [], "amount": [], "mcc": []},
        schema={"acct_no": pl.String, "amount": pl.Int64, "mcc": pl.String},
    )
    if n:
        med = np.where(is_person[idx], 80.0, 15000.0)
        amt = np.maximum(np.round(np.exp(rng.normal(np.log(med), 1.1)) * 100).astype(np.int64), 100)
        starts = np.flatnonzero(np.r_[True, idx[1:] != idx[:-1]])
        cum = _seg_cumsum(amt, starts)
        ok = cum <= bal[idx]
        idx, amt = idx[ok], amt[ok]
        pick = rng.choice(5, size=len(idx), p=CHANNEL_P)
        person = is_person[idx]
        chan = np.where(person, SPEND_CHANNELS[pick], _CH["WEB"])
        memo = np.where(person, SPEND_MEMOS[pick], _MEMO["对公付款"])
        online = (chan == _CH["WEB"]) | (chan == _CH["MOB"])
        cpty = np.where(online, _external_accounts(rng, len(idx)), 0)
        tx.add(idx, "D", amt, chan, memo, cpty)
        np.subtract.at(bal, idx, amt)
        pos = chan == _CH["POS"]
        pos_spend = pl.DataFrame(
            {
                "acct_no": acct_no.gather(idx[pos]),
                "amount": amt[pos],
                "mcc": MCC[rng.choice(len(MCC), size=int(pos.sum()), p=MCC_P)],
            }
        )

    # time deposits maturing today: half roll over (interest credited), half pay out
    mat = live & (maturity == d64) & (term > 0)
    idx = np.flatnonzero(mat)
    interest = np.round(bal[idx] * accounts["rate"].to_numpy()[idx] / 100 * term[idx] / 360).astype(
        np.int64
    )
    roll = rng.random(len(idx)) < 0.5
    r, p_ = idx[roll], idx[~roll]
    tx.add(r, "C", interest[roll], "SYS", "到期利息转存")
    bal[r] += interest[roll]
    accrued[r] = 0
    maturity[r] = maturity[r] + term[r].astype("timedelta64[D]")
    tx.add(p_, "C", interest[~roll], "SYS", "到期利息")
    bal[p_] += interest[~roll]
    tx.add(p_, "D", bal[p_].copy(), "SYS", "到期转活期")
    bal[p_] = 0
    status[p_] = 2
    close_d[p_] = d64
    changed[p_] = True

    # drains
    if len(drain):
        dr = ent.to_frame("entity_id").join(
            drain, on="entity_id", how="left", maintain_order="left"
        )["drain_start_date"]
        draining = live & (dr.to_numpy().astype("datetime64[D]") <= d64) & (status == 0)
        early = np.flatnonzero(draining & ~demand & (bal > 0))
        tx.add(
            early, "D", bal[early].copy(), "CNT", "提前支取", _external_accounts(rng, len(early))
        )
        bal[early] = 0
        status[early] = 2
        close_d[early] = d64
        changed[early] = True
        dem = np.flatnonzero(draining & demand)
        out = np.round(bal[dem] * rng.uniform(0.1, 0.2, size=len(dem))).astype(np.int64)
        last = (bal[dem] - out) < 100_000
        out = np.where(last, bal[dem], out)
        keep = out > 0
        tx.add(
            dem[keep], "D", out[keep], "MOB", "跨行转出", _external_accounts(rng, int(keep.sum()))
        )
        bal[dem] -= out
        fin = dem[last]
        status[fin] = 2
        close_d[fin] = d64
        changed[fin] = True

    # interest accrual (settled quarterly on the 21st of Mar/Jun/Sep/Dec for demand accounts)
    accr = live & (status != 2)
    accrued = np.where(
        accr,
        accrued + np.round(bal * accounts["rate"].to_numpy() / 100 / 360).astype(np.int64),
        accrued,
    )
    if day.month in (3, 6, 9, 12) and day.day == 21:
        idx = np.flatnonzero(accr & demand & (accrued > 0))
        tx.add(idx, "C", accrued[idx].copy(), "SYS", "结息")
        bal[idx] += accrued[idx]
        accrued[idx] = 0
    accrued = np.where(status == 2, 0, accrued)

    ts = d64.astype("datetime64[us]") + rng.integers(0, 86400, size=k).astype("timedelta64[s]")
    accounts = accounts.with_columns(
        pl.Series("bal", bal),
        pl.Series("accrued", accrued),
        pl.when(pl.Series((status == 2) & ~was_closed))
        .then(pl.lit("C"))
        .otherwise(pl.col("status"))
        .alias("status"),
        pl.Series("close_date", close_d).cast(pl.Date),
        pl.Series("maturity", maturity).cast(pl.Date),
        pl.when(pl.Series(changed))
        .then(pl.Series(ts).cast(pl.Datetime("us")))
        .otherwise(pl.col("upd_ts"))
        .alias("upd_ts"),
    ).with_columns(pl.col("upd_ts").cast(pl.Date).alias("upd_date"))
    txns = _txn_frame(tx, acct_no, rng, d64)
    return accounts, txns, pos_spend, (paid_rows, failed_rows)


def _txn_frame(
    tx: DayTxns, acct_no: pl.Series, rng: np.random.Generator, d64: np.datetime64
) -> pl.DataFrame:
    """The day's core transactions in time order (counterparty 0 = none)."""
    names = ("acct", "dr_cr", "amount", "channel", "memo", "cpty")
    if tx.parts:
        cols = {c: np.concatenate([p[c] for p in tx.parts]) for c in names}
    else:
        cols = {c: np.zeros(0, dtype=np.int64) for c in names}
    n = len(cols["acct"])
    secs = np.sort(rng.integers(6 * 3600, 24 * 3600, size=n))
    order = rng.permutation(n)
    cp = cols["cpty"][order].astype(np.int64)
    cp_str = pl.Series(cp).cast(pl.String).str.pad_start(19, "0")
    return pl.DataFrame(
        {
            "acct_no": acct_no.gather(cols["acct"][order]),
            "txn_ts": d64.astype("datetime64[us]") + secs.astype("timedelta64[s]"),
            "dr_cr": pl.Series(["D", "C"]).gather(cols["dr_cr"][order]),
            "amount": cols["amount"][order],
            "channel": pl.Series(TXN_CHANNELS).gather(cols["channel"][order]),
            "counterparty_acct": cp_str,
            "memo": pl.Series(MEMOS).gather(cols["memo"][order]),
        }
    ).with_columns(
        pl.col("txn_ts").cast(pl.Datetime("us")),
        pl.when(pl.Series(cp > 0)).then(pl.col("counterparty_acct")).alias("counterparty_acct"),
    )


def card_day(
    cards: pl.DataFrame, pos_spend: pl.DataFrame, rng: np.random.Generator, day: dt.date
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Advance cards by one day: debit purchases (mirrored from core POS debits), credit-card
    purchases within the limit, refunds, cash advances, fees and repayments on the due day."""
    d64 = np.datetime64(day)
    k = len(cards)
    open_d = cards["open_date"].to_numpy().astype("datetime64[D]")
    status = cards["status"].to_numpy()
    credit = (cards["card_kind"] == "C").to_numpy() & (open_d <= d64) & (status == "A")
    limit = cards["credit_limit"].to_numpy()
    out = cards["outstanding"].to_numpy().copy()
    overdue = cards["overdue_days"].to_numpy().copy()
    parts: list[pl.DataFrame] = []

    def add(idx: np.ndarray, amount: np.ndarray, mcc, kind: str) -> None:
        parts.append(
            pl.DataFrame(
                {
                    "card": idx.astype(np.int64),
                    "amount": amount.astype(np.int64),
                    "mcc": mcc
                    if isinstance(mcc, np.ndarray)
                    else np.full(len(idx), mcc, dtype=object),
                    "txn_type": np.full(len(idx), kind),
                },
                schema={
                    "card": pl.Int64,
                    "amount": pl.Int64,
                    "mcc": pl.String,
                    "txn_type": pl.String,
                },
            )
        )

    # debit purchases: the core POS debits, on the first debit card linked to the account
    debit = (
        cards.with_row_index("card")
        .filter((pl.col("card_kind") == "D") & (pl.col("status") == "A"))
        .group_by("linked_acct_no")
        .agg(pl.col("card").first())
    )
    pos = pos_spend.join(
        debit, left_on="acct_no", right_on="linked_acct_no", how="inner", maintain_order="left"
    )
    add(
        pos["card"].to_numpy(),
        pos["amount"].to_numpy(),
        pos["mcc"].to_numpy().astype(object),
        "PUR",
    )

    n_pur = rng.poisson(np.where(credit, 0.3, 0.0))
    idx = np.repeat(np.arange(k), n_pur)
    if len(idx):
        amt = np.maximum(
            np.round(np.exp(rng.normal(np.log(150.0), 1.1, size=len(idx))) * 100), 100
        ).astype(np.int64)
        starts = np.flatnonzero(np.r_[True, idx[1:] != idx[:-1]])
        ok = _seg_cumsum(amt, starts) + out[idx] <= limit[idx]
        idx, amt = idx[ok], amt[ok]
        add(idx, amt, MCC[rng.choice(len(MCC), size=len(idx), p=MCC_P)].astype(object), "PUR")
        np.add.at(out, idx, amt)
        rf = rng.random(len(idx)) < 0.01
        add(
            idx[rf],
            -amt[rf],
            MCC[rng.choice(len(MCC), size=int(rf.sum()), p=MCC_P)].astype(object),
            "RFD",
        )
        np.subtract.at(out, idx[rf], amt[rf])
    cash = np.flatnonzero(credit & (rng.random(k) < 0.002) & (out + 100_000 <= limit))
    add(cash, np.full(len(cash), 100_000), None, "CSH")
    out[cash] += 100_000
    fee = np.flatnonzero(credit & (rng.random(k) < 0.0005))
    fee_amt = rng.choice([5000, 10000, 30000], size=len(fee))
    add(fee, fee_amt, None, "FEE")
    out[fee] += fee_amt
    due_day = (cards["cycle_day"].to_numpy() + 19) % 28 + 1
    due = credit & (due_day == day.day) & (out > 0)
    u = rng.random(k)
    full = due & (u < 0.7)
    minimum = due & (u >= 0.7) & (u < 0.95)
    missed = due & (u >= 0.95)
    rep = np.where(full, out, np.where(minimum, out // 10, 0))
    idx = np.flatnonzero(rep > 0)
    add(idx, -rep[idx], None, "REP")
    out = out - rep
    overdue = np.where(credit & (overdue > 0), overdue + 1, overdue)
    overdue = np.where(full, 0, overdue)
    overdue = np.where(missed & (overdue == 0), 1, overdue)
    txns = pl.concat(parts) if parts else None
    secs = np.sort(rng.integers(0, 86400, size=len(txns)))
    order = rng.permutation(len(txns))
    txns = (
        txns[order]
        .with_columns(
            pl.Series("txn_ts", d64.astype("datetime64[us]") + secs.astype("timedelta64[s]")).cast(
                pl.Datetime("us")
            ),
            cards["card_no"].gather(txns["card"].to_numpy()[order]).alias("card_no"),
        )
        .drop("card")
    )
    # a few cards are reported lost or stopped today (a DELTA row in card_account)
    live = (open_d < d64) & (status == "A")
    lost = live & (rng.random(k) < 0.0003)
    ts = d64.astype("datetime64[us]") + rng.integers(0, 86400, size=k).astype("timedelta64[s]")
    cards = cards.with_columns(
        pl.Series("outstanding", out),
        pl.Series("overdue_days", overdue),
        pl.when(pl.Series(lost)).then(pl.lit("L")).otherwise(pl.col("status")).alias("status"),
        pl.when(pl.Series(lost))
        .then(pl.Series(ts).cast(pl.Datetime("us")))
        .otherwise(pl.col("upd_ts"))
        .alias("upd_ts"),
    ).with_columns(pl.col("upd_ts").dt.date().alias("upd_date"))
    return cards, txns
