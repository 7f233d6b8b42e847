{#-
    Column names of every raw lake table, in spec order (interface spec section 4). All are
    varchar in the lake; the lineage columns follow with their own types (contracts.md).
    Used where the dbt graph is not available: unit-test fixtures over lake sources
    (get_fixture_sql override) and the empty relation of a table not delivered yet.
    tests/staging checks that these lists match the sources yml.
-#}
{% macro raw_columns(table_name) -%}
    {%- set columns = {
        'core_customer': [
            'cust_no',
            'cust_type',
            'cust_name',
            'cert_type',
            'cert_no',
            'gender',
            'birth_date',
            'mobile',
            'address',
            'open_date',
            'open_branch',
            'status',
            'upd_ts',
        ],
        'core_account': [
            'acct_no',
            'cust_no',
            'product_code',
            'currency',
            'open_date',
            'close_date',
            'branch_code',
            'status',
            'upd_ts',
        ],
        'core_balance': [
            'acct_no',
            'currency',
            'balance',
            'accrued_interest',
        ],
        'core_txn': [
            'txn_id',
            'acct_no',
            'txn_ts',
            'dr_cr',
            'amount',
            'channel',
            'counterparty_acct',
            'memo',
        ],
        'core_fx_rate': [
            'currency',
            'rate_to_cny',
        ],
        'card_holder': [
            'holder_id',
            'name',
            'cert_type',
            'cert_no',
            'gender',
            'birth_date',
            'mobile',
            'employer',
            'annual_income',
            'education',
            'occupation',
            'address',
            'upd_ts',
        ],
        'card_account': [
            'card_no',
            'holder_id',
            'card_kind',
            'linked_acct_no',
            'credit_limit',
            'open_date',
            'status',
            'issue_branch',
            'upd_ts',
        ],
        'card_txn': [
            'auth_id',
            'card_no',
            'txn_ts',
            'amount',
            'mcc',
            'txn_type',
        ],
        'card_statement': [
            'card_no',
            'outstanding',
            'overdue_days',
        ],
        'loan_customer': [
            'loan_cust_id',
            'cust_kind',
            'name',
            'cert_type',
            'cert_no',
            'gender',
            'birth_date',
            'mobile',
            'occupation',
            'annual_income',
            'education',
            'industry_code',
            'ent_nature',
            'ent_scale',
            'credit_rating',
            'legal_rep_name',
            'legal_rep_cert_no',
            'reg_capital',
            'address',
            'upd_ts',
        ],
        'loan_contract': [
            'contract_no',
            'loan_cust_id',
            'product_code',
            'contract_amount',
            'currency',
            'start_date',
            'maturity_date',
            'interest_rate',
            'branch_code',
            'status',
            'upd_ts',
        ],
        'loan_balance': [
            'contract_no',
            'principal_balance',
            'overdue_days',
            'five_class',
        ],
        'org_branch': [
            'branch_code',
            'branch_name',
            'branch_level',
            'parent_code',
            'region_code',
            'open_date',
            'status',
            'merged_into',
        ],
        'org_staff': [
            'staff_id',
            'name',
            'branch_code',
            'role',
            'status',
            'hire_date',
        ],
        'org_rm_assignment': [
            'source_system',
            'source_cust_no',
            'staff_id',
            'start_date',
            'end_date',
        ],
        'chan_consent': [
            'event_id',
            'source_system',
            'source_cust_no',
            'purpose',
            'action',
            'event_ts',
            'channel',
        ],
    } -%}    {{ return(columns.get(table_name)) }}
{%- endmacro %}

{#- Lineage columns the extractor adds to every raw table, with their types. -#}
{% macro raw_lineage_columns() -%}
    {{ return([
        ('_batch_id', 'varchar'),
        ('_redelivery', 'integer'),
        ('_source_file', 'varchar'),
        ('_line_no', 'bigint'),
        ('_loaded_at', 'timestamp with time zone'),
        ('_biz_date', 'date'),
    ]) }}
{%- endmacro %}

{#- (name, type) of every column of a raw table, or none when the table is not a lake table. -#}
{% macro raw_column_types(table_name) -%}
    {%- set names = raw_columns(table_name) -%}
    {%- if names is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set typed = [] -%}
    {%- for name in names -%}
        {%- do typed.append((name, 'varchar')) -%}
    {%- endfor -%}
    {{ return(typed + raw_lineage_columns()) }}
{%- endmacro %}
