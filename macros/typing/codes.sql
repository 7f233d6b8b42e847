{#-
    Code lists of the interface spec (section 5 and the per-column lists), in one place.
    Staging keeps the delivered code trimmed, and adds <column>_is_valid = code in the list
    (NULL when no code was delivered).
-#}
{% macro code_list(name) -%}
    {%- set lists = {
        'cert_type': ['101', '102', '103', '104', '105', '106', '107', '108', '199',
                      '201', '202', '203', '299'],
        'cert_type_person': ['101', '102', '103', '104', '105', '106', '107', '108', '199'],
        'cert_type_enterprise': ['201', '202', '203', '299'],
        'gender': ['0', '1', '2', '9'],
        'product_deposit': ['D01', 'T03', 'T06', 'T12', 'T24', 'T36', 'T60', 'C01', 'C02',
                            'N01', 'W01'],
        'product_loan': ['PL', 'ML', 'PB', 'BW', 'BF', 'BD'],
        'education': ['10', '20', '30', '40', '60', '70', '80', '90'],
        'occupation': ['1', '2', '3', '4', '5', '6', '7', '8'],
        'ent_nature': ['1', '2', '3', '4', '5', '9'],
        'ent_scale': ['L', 'M', 'S', 'X'],
        'credit_rating': ['AAA', 'AA', 'A', 'BBB', 'BB', 'B', 'CCC', 'CC', 'C'],
        'cust_type': ['1', '2'],
        'cust_kind': ['P', 'E'],
        'core_customer_status': ['A', 'C'],
        'core_account_status': ['A', 'D', 'F', 'C'],
        'dr_cr': ['D', 'C'],
        'core_channel': ['CNT', 'ATM', 'MOB', 'WEB', 'POS', 'SYS'],
        'card_kind': ['D', 'C'],
        'card_status': ['A', 'L', 'C'],
        'card_txn_type': ['PUR', 'RFD', 'CSH', 'REP', 'FEE'],
        'loan_contract_status': ['A', 'S', 'W'],
        'five_class': ['1', '2', '3', '4', '5'],
        'branch_level': ['1', '2', '3', '4', '5'],
        'branch_status': ['A', 'M', 'C'],
        'staff_role': ['RM', 'TLR', 'MGR', 'OPS'],
        'staff_status': ['A', 'L'],
        'source_system': ['core', 'card', 'loan'],
        'consent_purpose': ['MKT_SMS', 'MKT_CALL', 'MKT_APP', 'PROFILING'],
        'consent_action': ['GRANT', 'WITHDRAW'],
        'consent_channel': ['MOB', 'WEB', 'CNT'],
    } -%}
    {{ return(lists[name]) }}
{%- endmacro %}

{#- <code> in the named list; NULL when the code is NULL. -#}
{% macro code_is_valid(expr, list_name) -%}
    {%- set quoted = [] -%}
    {%- for v in code_list(list_name) -%}
        {%- do quoted.append("'" ~ v ~ "'") -%}
    {%- endfor -%}
    ({{ expr }} in ({{ quoted | join(', ') }}))
{%- endmacro %}

{#- Trimmed code, empty -> NULL. -#}
{% macro clean_code(expr) -%}
    nullif(trim({{ expr }}), '')
{%- endmacro %}

{#- Trimmed text, empty -> NULL (free text such as addresses and memos keeps inner spacing). -#}
{% macro clean_text(expr) -%}
    nullif(trim({{ expr }}), '')
{%- endmacro %}
