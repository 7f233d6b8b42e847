"""Columns of every source table, in delivery order, exactly as the interface spec names them.

The spec (shared/interface/source-systems.md, section 4) is the contract: a DELIMITED record
must carry exactly these fields, a CSV header must spell exactly these names, and the raw lake
stores them under these names. Kept here, beside the extractor, so a change to the spec shows
up as one reviewed diff.
"""

from __future__ import annotations

from dataclasses import dataclass

# fmt: off
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "core_customer": (
        "cust_no", "cust_type", "cust_name", "cert_type", "cert_no", "gender", "birth_date",
        "mobile", "address", "open_date", "open_branch", "status", "upd_ts",
    ),
    "core_account": (
        "acct_no", "cust_no", "product_code", "currency", "open_date", "close_date",
        "branch_code", "status", "upd_ts",
    ),
    "core_balance": ("acct_no", "currency", "balance", "accrued_interest"),
    "core_txn": (
        "txn_id", "acct_no", "txn_ts", "dr_cr", "amount", "channel", "counterparty_acct", "memo",
    ),
    "core_fx_rate": ("currency", "rate_to_cny"),
    "card_holder": (
        "holder_id", "name", "cert_type", "cert_no", "gender", "birth_date", "mobile",
        "employer", "annual_income", "education", "occupation", "address", "upd_ts",
    ),
    "card_account": (
        "card_no", "holder_id", "card_kind", "linked_acct_no", "credit_limit", "open_date",
        "status", "issue_branch", "upd_ts",
    ),
    "card_txn": ("auth_id", "card_no", "txn_ts", "amount", "mcc", "txn_type"),
    "card_statement": ("card_no", "outstanding", "overdue_days"),
    "loan_customer": (
        "loan_cust_id", "cust_kind", "name", "cert_type", "cert_no", "gender", "birth_date",
        "mobile", "occupation", "annual_income", "education", "industry_code", "ent_nature",
        "ent_scale", "credit_rating", "legal_rep_name", "legal_rep_cert_no", "reg_capital",
        "address", "upd_ts",
    ),
    "loan_contract": (
        "contract_no", "loan_cust_id", "product_code", "contract_amount", "currency",
        "start_date", "maturity_date", "interest_rate", "branch_code", "status", "upd_ts",
    ),
    "loan_balance": ("contract_no", "principal_balance", "overdue_days", "five_class"),
    "org_branch": (
        "branch_code", "branch_name", "branch_level", "parent_code", "region_code", "open_date",
        "status", "merged_into",
    ),
    "org_staff": ("staff_id", "name", "branch_code", "role", "status", "hire_date"),
    "org_rm_assignment": (
        "source_system", "source_cust_no", "staff_id", "start_date", "end_date",
    ),
    "chan_consent": (
        "event_id", "source_system", "source_cust_no", "purpose", "action", "event_ts",
        "channel",
    ),
}
# fmt: on


@dataclass(frozen=True)
class MoneyMeasure:
    """One control total: sum ``column`` of the raw rows, split by ``split_by``.

    ``split_by`` names a currency column (the group value is the currency), or a code column
    whose value is appended to the measure name (``amount_D``) with the currency fixed to CNY,
    or None for a CNY-only total.
    """

    column: str
    unit: str  # 'yuan' (two decimals) or 'fen' (integer)
    split_by: str | None = None
    split_is_currency: bool = True


# contracts.md, "Control": the money files and their measures.
MONEY_MEASURES: dict[str, tuple[MoneyMeasure, ...]] = {
    "core_balance": (
        MoneyMeasure("balance", "yuan", "currency"),
        MoneyMeasure("accrued_interest", "yuan", "currency"),
    ),
    "core_txn": (MoneyMeasure("amount", "yuan", "dr_cr", split_is_currency=False),),
    "card_account": (MoneyMeasure("credit_limit", "fen"),),
    "card_txn": (MoneyMeasure("amount", "fen", "txn_type", split_is_currency=False),),
    "card_statement": (MoneyMeasure("outstanding", "fen"),),
    "loan_contract": (MoneyMeasure("contract_amount", "yuan", "currency"),),
    "loan_balance": (MoneyMeasure("principal_balance", "yuan"),),
}
