{#-
    Resident identity numbers (GB 11643-1999). Every macro takes an expression holding the
    NORMALISED number (see normalize_cert_no) and returns a SQL expression; nothing here is a
    UDF, so the same SQL runs set-based on any engine with substr/regexp.
-#}

{#- GB 11643 weights for positions 1..17 and the mod-11 check characters. -#}
{% macro resident_id_weights() -%}
    {{ return([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]) }}
{%- endmacro %}

{#- Check character of the first 17 digits of an expression ('1','0','X','9'..'2'); NULL when
    any of the 17 is not a digit. -#}
{% macro resident_id_check_char(first17) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('resident_id_check_char', 'bank_crm')(first17) }}
    {%- else -%}
        {{ default__resident_id_check_char(first17) }}
    {%- endif -%}
{%- endmacro %}

{#- The 17 digits are read once as a bigint and split arithmetically: ~2x faster on DuckDB
    than 17 substr/try_cast pairs. -#}
{% macro default__resident_id_check_char(first17) -%}
    {%- set body = 'try_cast(left(' ~ first17 ~ ', 17) as bigint)' -%}
    {%- set terms = [] -%}
    {%- for w in resident_id_weights() -%}
        {%- do terms.append(
            '((' ~ body ~ ' // ' ~ 10 ** (17 - loop.index) ~ ') % 10) * ' ~ w
        ) -%}
    {%- endfor -%}
    case
        when regexp_full_match(left({{ first17 }}, 17), '[0-9]{17}')
            then substr(
                '10X98765432', cast(({{ terms | join('\n                + ') }}) % 11 as integer) + 1, 1
            )
    end
{%- endmacro %}

{#- A digit string other than an identity: one repeated character, counting sequences, or
    17 equal digits followed by any check character. -#}
{% macro resident_id_is_placeholder(cert) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('resident_id_is_placeholder', 'bank_crm')(cert) }}
    {%- else -%}
        {{ default__resident_id_is_placeholder(cert) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__resident_id_is_placeholder(cert) -%}
    (
        length(replace({{ cert }}, left({{ cert }}, 1), '')) = 0
        or (
            length({{ cert }}) = 18
            and length(replace(left({{ cert }}, 17), left({{ cert }}, 1), '')) = 0
        )
        or {{ cert }} in (
            '123456789012345678', '12345678901234567X', '123456789012345',
            '123456789123456789', '012345678901234567', '987654321098765432',
            '123456789012345678X', '12345678901234567'
        )
    )
{%- endmacro %}

{#- Birth date text (YYYYMMDD) embedded in an 18-char or 15-digit number, '19' supplied for 15. -#}
{% macro resident_id_birth_text(cert) -%}
    case
        when length({{ cert }}) = 18 then substr({{ cert }}, 7, 8)
        when length({{ cert }}) = 15 then '19' || substr({{ cert }}, 7, 6)
    end
{%- endmacro %}

{#- Quality code of a normalised resident identity number:
    missing | placeholder | invalid_chars | wrong_length | invalid_date | invalid_check |
    converted_15 | valid. Birth dates must be real calendar dates from 1900-01-01 to today. -#}
{% macro resident_id_quality(cert) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('resident_id_quality', 'bank_crm')(cert) }}
    {%- else -%}
        {{ default__resident_id_quality(cert) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__resident_id_quality(cert) -%}
    case
        when {{ cert }} is null or {{ cert }} = '' then 'missing'
        when {{ resident_id_is_placeholder(cert) }} then 'placeholder'
        when not regexp_full_match({{ cert }}, '[0-9]{17}[0-9X]|[0-9]{15}')
            then case
                when regexp_full_match({{ cert }}, '[0-9]+X?') then 'wrong_length'
                else 'invalid_chars'
            end
        when coalesce(
            cast(try_strptime({{ resident_id_birth_text(cert) }}, '%Y%m%d') as date)
            not between date '1900-01-01' and current_date,
            true
        ) then 'invalid_date'
        when length({{ cert }}) = 15 then 'converted_15'
        when right({{ cert }}, 1) = {{ resident_id_check_char(cert) }} then 'valid'
        else 'invalid_check'
    end
{%- endmacro %}

{#- The 18-character form: the number itself when 18 characters, the 15-digit form with '19'
    inserted and the check character computed, else NULL. Validity is NOT checked here; use it
    together with resident_id_quality (see resident_id_standard). -#}
{% macro resident_id_to_18(cert) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('resident_id_to_18', 'bank_crm')(cert) }}
    {%- else -%}
        {{ default__resident_id_to_18(cert) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__resident_id_to_18(cert) -%}
    case
        when length({{ cert }}) = 18 then {{ cert }}
        when regexp_full_match({{ cert }}, '[0-9]{15}')
            then left({{ cert }}, 6) || '19' || substr({{ cert }}, 7, 9)
            || {{ resident_id_check_char(
                "left(" ~ cert ~ ", 6) || '19' || substr(" ~ cert ~ ", 7, 9)"
            ) }}
    end
{%- endmacro %}

{#- The trusted 18-character number: only for quality 'valid' or 'converted_15', else NULL.
    Takes the normalised number and its already computed quality code (a column, to avoid
    expanding the quality expression twice). -#}
{% macro resident_id_standard(cert, quality) -%}
    case when {{ quality }} in ('valid', 'converted_15') then {{ resident_id_to_18(cert) }} end
{%- endmacro %}

{#- Derived attributes of a trusted 18-character number (resident_id_standard output). -#}
{% macro resident_id_birth_date(cert18) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('resident_id_birth_date', 'bank_crm')(cert18) }}
    {%- else -%}
        {{ default__resident_id_birth_date(cert18) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__resident_id_birth_date(cert18) -%}
    cast(try_strptime(substr({{ cert18 }}, 7, 8), '%Y%m%d') as date)
{%- endmacro %}

{#- '1' male (odd 17th digit), '2' female (even). -#}
{% macro resident_id_sex(cert18) -%}
    case try_cast(substr({{ cert18 }}, 17, 1) as integer) % 2
        when 1 then '1'
        when 0 then '2'
    end
{%- endmacro %}

{#- GB/T 2260 province code: first two digits. -#}
{% macro resident_id_province(cert18) -%}
    left({{ cert18 }}, 2)
{%- endmacro %}
