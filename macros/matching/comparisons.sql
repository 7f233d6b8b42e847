{#-
    Building blocks of the probabilistic stage of identity resolution. Every macro returns a
    SQL expression, dispatched so that another engine (Spark) can supply its own spelling.
-#}

{#- Levenshtein edit distance between two strings (DuckDB and Spark both call it levenshtein). -#}
{% macro edit_distance(left_expr, right_expr) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('edit_distance', 'bank_crm')(left_expr, right_expr) }}
    {%- else -%}
        {{ default__edit_distance(left_expr, right_expr) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__edit_distance(left_expr, right_expr) -%}
    levenshtein({{ left_expr }}, {{ right_expr }})
{%- endmacro %}

{#- Days from the right date to the left date. -#}
{% macro date_diff_days(left_expr, right_expr) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('date_diff_days', 'bank_crm')(left_expr, right_expr) }}
    {%- else -%}
        {{ default__date_diff_days(left_expr, right_expr) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__date_diff_days(left_expr, right_expr) -%}
    datediff('day', {{ right_expr }}, {{ left_expr }})
{%- endmacro %}

{% macro spark__date_diff_days(left_expr, right_expr) -%}
    datediff({{ left_expr }}, {{ right_expr }})
{%- endmacro %}

{#- The administrative district an address starts with (province, city, district or county:
    '河南省郑州市金水区'), the part of an address a person keeps when moving within town. -#}
{% macro address_district(address) -%}
    nullif(regexp_extract({{ address }}, '^(.{2,12}?[区县旗])', 1), '')
{%- endmacro %}

{#- The first-generation (15-character) form of a normalised person identity number, the form
    every keying error of the simulator's taxonomy stays close to: an 18-character number loses
    the century and the check character (region 1-6, birth YYMMDD 9-14, sequence 15-17), any
    other length is kept as keyed. NULL for empty and placeholder numbers (they carry no
    evidence). -#}
{% macro identity_number_15_form(cert) -%}
    case
        when {{ cert }} is null or {{ resident_id_is_placeholder(cert) }} then null
        when length({{ cert }}) = 18 then left({{ cert }}, 6) || substr({{ cert }}, 9, 9)
        when length({{ cert }}) between 12 and 20 then {{ cert }}
    end
{%- endmacro %}

{#- Stable surrogate key of a customer: 'K' and 15 hex digits of the md5 of its earliest
    member record ('<system>:<customer number>'), so the same cluster gets the same key on every
    run, incremental or rebuilt, and a merged cluster keeps the key of its older part. -#}
{% macro customer_key_of(source_system, source_customer_no) -%}
    'K' || upper(left(md5({{ source_system }} || ':' || {{ source_customer_no }}), 15))
{%- endmacro %}

{#- Comparison levels of a record pair. Identity numbers: 'first17' (same first 17
    characters, or the same 15-character form: only a check character differs), 'near' (a
    letter keyed for one digit, or one digit dropped or added at the end: the keying errors
    seen), else 'other'; a digit-for-digit difference is 'other', since two real numbers of
    people born the same day in the same district differ exactly so.
    Arguments: aliases of two int_customer_records_anchored rows.
    One column per compared attribute; 'null' when either side lacks the attribute (no
    evidence either way). -#}
{% macro comparison_levels(l, r) -%}
    case
        when {{ l }}.name_normalized is null or {{ r }}.name_normalized is null then 'null'
        when {{ l }}.name_normalized = {{ r }}.name_normalized then 'exact'
        when
            {{ l }}.name_simplified = {{ r }}.name_simplified
            or {{ l }}.name_pinyin = {{ r }}.name_pinyin
            then 'variant'
        when {{ names_one_edit_apart(l, r) }} then 'one_char'
        else 'other'
    end as name_level,
    case
        when {{ l }}.birth_date is null or {{ r }}.birth_date is null then 'null'
        when {{ l }}.birth_date = {{ r }}.birth_date then 'exact'
        when abs({{ date_diff_days(l ~ '.birth_date', r ~ '.birth_date') }}) <= 400 then 'close'
        else 'other'
    end as birth_level,
    case
        when {{ l }}.sex is null or {{ r }}.sex is null then 'null'
        when {{ l }}.sex = {{ r }}.sex then 'exact'
        else 'other'
    end as sex_level,
    case
        when {{ l }}.mobile is null or {{ r }}.mobile is null then 'null'
        when {{ l }}.mobile = {{ r }}.mobile then 'exact'
        else 'other'
    end as mobile_level,
    case
        when {{ l }}.address is null or {{ r }}.address is null then 'null'
        when {{ l }}.address = {{ r }}.address then 'exact'
        when {{ l }}.address_district = {{ r }}.address_district then 'district'
        else 'other'
    end as address_level,
    case
        when {{ l }}.cert_15_form is null or {{ r }}.cert_15_form is null then 'null'
        when
            length({{ l }}.cert_no_normalized) = 18
            and length({{ r }}.cert_no_normalized) = 18
            and left({{ l }}.cert_no_normalized, 17) = left({{ r }}.cert_no_normalized, 17)
            then 'first17'
        when {{ l }}.cert_15_form = {{ r }}.cert_15_form then 'first17'
        when
            length({{ l }}.cert_15_form) = length({{ r }}.cert_15_form)
            and {{ regex_contains(
                '(' ~ l ~ '.cert_15_form || ' ~ r ~ '.cert_15_form)', '[A-WYZ]'
            ) }}
            and {{ edit_distance(l ~ '.cert_15_form', r ~ '.cert_15_form') }} = 1
            then 'near'
        when
            abs(length({{ l }}.cert_15_form) - length({{ r }}.cert_15_form)) = 1
            and (
                left({{ l }}.cert_15_form, length({{ r }}.cert_15_form)) = {{ r }}.cert_15_form
                or left({{ r }}.cert_15_form, length({{ l }}.cert_15_form)) = {{ l }}.cert_15_form
            )
            then 'near'
        else 'other'
    end as id_level
{%- endmacro %}

{#- The comparisons and their levels, in one place for the parameter and scoring models. -#}
{% macro comparison_names() -%}
    {{ return(['name', 'birth', 'sex', 'mobile', 'address', 'id']) }}
{%- endmacro %}

{#- One row per character position of a string: the set-returning expression to select beside
    the row's columns (positions 1..length). -#}
{% macro char_positions(expr) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('char_positions', 'bank_crm')(expr) }}
    {%- else -%}
        {{ default__char_positions(expr) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__char_positions(expr) -%}
    unnest(range(1, length({{ expr }}) + 1))
{%- endmacro %}

{% macro spark__char_positions(expr) -%}
    explode(sequence(1, length({{ expr }})))
{%- endmacro %}

{#- Aggregate: the values concatenated in the order of order_expr. -#}
{% macro ordered_string_agg(expr, separator, order_expr) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('ordered_string_agg', 'bank_crm')(expr, separator, order_expr) }}
    {%- else -%}
        {{ default__ordered_string_agg(expr, separator, order_expr) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__ordered_string_agg(expr, separator, order_expr) -%}
    string_agg({{ expr }}, '{{ separator }}' order by {{ order_expr }})
{%- endmacro %}

{% macro spark__ordered_string_agg(expr, separator, order_expr) -%}
    array_join(
        transform(
            array_sort(collect_list(struct({{ order_expr }} as k, {{ expr }} as v))),
            x -> x.v
        ),
        '{{ separator }}'
    )
{%- endmacro %}

{#- Two person names one edit apart (after mapping to simplified characters) with the same
    surname character and at least three characters in the longer: a given-name character
    mistyped, added or dropped. Two-character names one edit apart (陈娜 / 陈丽) are different
    people too often to count. -#}
{% macro names_one_edit_apart(l, r) -%}
    (
        left({{ l }}.name_simplified, 1) = left({{ r }}.name_simplified, 1)
        and greatest(length({{ l }}.name_simplified), length({{ r }}.name_simplified)) >= 3
        and {{ edit_distance(l ~ '.name_simplified', r ~ '.name_simplified') }} = 1
    )
{%- endmacro %}
