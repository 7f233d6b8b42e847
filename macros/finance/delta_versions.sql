{#-
    DELTA tables (core_account, card_account, loan_contract) deliver only what changed on T.
    The state of a key as of T is its latest version delivered on or before T.

    delta_versions(relation, key, as_of): one row per (key, delivery date) up to as_of, the last
    version of that date (by upd_ts, then physical line), with
      valid_from_biz_date = the business date that delivered it,
      valid_to_biz_date   = the business date of the key's next version (exclusive), or
                            9999-12-31 when none was delivered up to as_of.
    So "current as of D" for any D <= as_of is  valid_from_biz_date <= D < valid_to_biz_date,
    one equality-plus-range join for one date or for every date of a rebuild. Set-based, two
    window functions, portable (row_number and lead exist on DuckDB and Spark).

    Ordering across dates is by delivery date: a re-delivered batch replaces its date's rows in
    the lake, so a rebuild after a re-delivery sees the corrected history.
-#}
{% macro delta_versions(relation, key, as_of) -%}
    (
        select
            ranked.*,
            coalesce(
                lead(ranked.biz_date) over (partition by ranked.{{ key }} order by ranked.biz_date),
                cast('9999-12-31' as date)
            ) as valid_to_biz_date
        from (
            select
                versions.*,
                versions.biz_date as valid_from_biz_date,
                row_number() over (
                    partition by versions.{{ key }}, versions.biz_date
                    order by versions.upd_ts desc, versions._line_no desc
                ) as _version_rank
            from {{ relation }} as versions
            where versions.biz_date <= {{ as_of }}
        ) as ranked
        where ranked._version_rank = 1
    )
{%- endmacro %}
