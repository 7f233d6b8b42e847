{#-
    Spark forms of the identity macros (macros/identity). Same rules, same results: full
    matches through spark__regex_full_match, integer division with div, instr() for strpos(),
    try_to_date for try_strptime, a higher-order aggregate() for the Luhn sum, \p{IsHan} for
    RE2's \p{Han}. Spark's regexp_replace replaces every match (DuckDB's 'g' flag).
-#}
{% macro spark__card_no_is_valid(expr) -%}
    coalesce(
        {{ spark__regex_full_match(expr, '[0-9]{16}|[0-9]{19}') }}
        and aggregate(
            sequence(0, length({{ expr }}) - 1),
            0,
            (acc, i) -> acc + case
                when i % 2 = 0
                    then try_cast(substr({{ expr }}, length({{ expr }}) - i, 1) as int)
                else
                    (try_cast(substr({{ expr }}, length({{ expr }}) - i, 1) as int) * 2 - 1) % 9 + 1
            end
        ) % 10 = 0,
        false
    )
{%- endmacro %}

{% macro spark__normalize_person_name(expr) -%}
    nullif(
        case
            when {{ expr }} rlike r'\p{IsHan}'
                then regexp_replace({{ fullwidth_to_halfwidth(expr) }}, r'\s+', '')
            else upper(trim(regexp_replace({{ fullwidth_to_halfwidth(expr) }}, r'\s+', ' ')))
        end,
        ''
    )
{%- endmacro %}

{% macro spark__normalize_enterprise_name(expr) -%}
    nullif(
        regexp_replace(
            upper(regexp_replace({{ fullwidth_to_halfwidth(expr) }}, r'\s+', '')),
            '有限责任公司$|责任有限公司$|有限責任公司$',
            '有限公司'
        ),
        ''
    )
{%- endmacro %}

{% macro spark__normalize_mobile(expr) -%}
    nullif(
        regexp_extract(
            regexp_replace({{ fullwidth_to_halfwidth(expr) }}, r'[\s\-+().]', ''),
            r'^(?:0086|86)?(1[3-9][0-9]{9})$',
            1
        ),
        ''
    )
{%- endmacro %}

{% macro spark__normalize_cert_no(expr) -%}
    nullif(
        upper(regexp_replace({{ fullwidth_to_halfwidth(expr) }}, r'[\s\-_./\\·‐‑–—]+', '')),
        ''
    )
{%- endmacro %}

{% macro spark__resident_id_check_char(first17) -%}
    {%- set body = 'try_cast(left(' ~ first17 ~ ', 17) as bigint)' -%}
    {%- set terms = [] -%}
    {%- for w in resident_id_weights() -%}
        {%- do terms.append(
            '((' ~ body ~ ' div ' ~ 10 ** (17 - loop.index) ~ ') % 10) * ' ~ w
        ) -%}
    {%- endfor -%}
    case
        when {{ spark__regex_full_match('left(' ~ first17 ~ ', 17)', '[0-9]{17}') }}
            then substr(
                '10X98765432', cast(({{ terms | join('\n                + ') }}) % 11 as int) + 1, 1
            )
    end
{%- endmacro %}

{% macro spark__resident_id_quality(cert) -%}
    case
        when {{ cert }} is null or {{ cert }} = '' then 'missing'
        when {{ resident_id_is_placeholder(cert) }} then 'placeholder'
        when not {{ spark__regex_full_match(cert, '[0-9]{17}[0-9X]|[0-9]{15}') }}
            then case
                when {{ spark__regex_full_match(cert, '[0-9]+X?') }} then 'wrong_length'
                else 'invalid_chars'
            end
        when coalesce(
            try_to_date({{ resident_id_birth_text(cert) }}, 'yyyyMMdd')
            not between date '1900-01-01' and current_date,
            true
        ) then 'invalid_date'
        when length({{ cert }}) = 15 then 'converted_15'
        when right({{ cert }}, 1) = {{ resident_id_check_char(cert) }} then 'valid'
        else 'invalid_check'
    end
{%- endmacro %}

{% macro spark__resident_id_to_18(cert) -%}
    case
        when length({{ cert }}) = 18 then {{ cert }}
        when {{ spark__regex_full_match(cert, '[0-9]{15}') }}
            then left({{ cert }}, 6) || '19' || substr({{ cert }}, 7, 9)
            || {{ resident_id_check_char(
                "left(" ~ cert ~ ", 6) || '19' || substr(" ~ cert ~ ", 7, 9)"
            ) }}
    end
{%- endmacro %}

{% macro spark__resident_id_birth_date(cert18) -%}
    try_to_date(substr({{ cert18 }}, 7, 8), 'yyyyMMdd')
{%- endmacro %}

{% macro spark__uscc_check_char(code) -%}
    {%- set alphabet = uscc_alphabet() -%}
    {%- set terms = [] -%}
    {%- for w in uscc_weights() -%}
        {%- do terms.append(
            "(nullif(instr('" ~ alphabet ~ "', substr(" ~ code ~ ", " ~ loop.index
            ~ ", 1)), 0) - 1) * " ~ w
        ) -%}
    {%- endfor -%}
    substr(
        '{{ alphabet }}',
        cast((31 - ({{ terms | join('\n            + ') }}) % 31) % 31 as int) + 1,
        1
    )
{%- endmacro %}

{% macro spark__uscc_is_valid(code) -%}
    coalesce(
        {{ spark__regex_full_match(code, '[0-9A-HJ-NPQRTUWXY]{18}') }}
        and right({{ code }}, 1) = {{ uscc_check_char(code) }},
        false
    )
{%- endmacro %}

{% macro spark__org_code_check_char(code) -%}
    {%- set terms = [] -%}
    {%- for w in org_code_weights() -%}
        {%- do terms.append(
            "(nullif(instr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', substr(" ~ code ~ ", "
            ~ loop.index ~ ", 1)), 0) - 1) * " ~ w
        ) -%}
    {%- endfor -%}
    substr(
        '0123456789X0',
        cast(11 - ({{ terms | join('\n            + ') }}) % 11 as int) + 1,
        1
    )
{%- endmacro %}

{% macro spark__org_code_is_valid(code) -%}
    coalesce(
        {{ spark__regex_full_match(code, '[0-9A-Z]{8}[0-9X]') }}
        and right({{ code }}, 1) = {{ org_code_check_char(code) }},
        false
    )
{%- endmacro %}

{% macro spark__enterprise_id_quality(code) -%}
    case
        when {{ code }} is null or {{ code }} = '' then 'missing'
        when length(replace({{ code }}, left({{ code }}, 1), '')) = 0 then 'placeholder'
        when length({{ code }}) = 18 then case
            when not {{ spark__regex_full_match(code, '[0-9A-HJ-NPQRTUWXY]{18}') }}
                then 'invalid_chars'
            when {{ uscc_is_valid(code) }} then 'valid_uscc'
            else 'invalid_check'
        end
        when length({{ code }}) = 9 then case
            when not {{ spark__regex_full_match(code, '[0-9A-Z]{8}[0-9X]') }} then 'invalid_chars'
            when {{ org_code_is_valid(code) }} then 'valid_org_code'
            else 'invalid_check'
        end
        when {{ spark__regex_full_match(code, '[0-9A-Z]+') }} then 'wrong_length'
        else 'invalid_chars'
    end
{%- endmacro %}
