{#-
    Enterprise identifiers: unified social credit codes (USCC, GB 32100-2015, 18 characters)
    and organization codes (GB 11714, 8 characters + check character, often written with a
    hyphen before the check character). Every macro takes the NORMALISED code
    (normalize_cert_no removes the hyphen), so '60003734-1' arrives as '600037341'.
    The organization code embedded in a USCC (positions 9-17) is what lets a record identified
    by a credit code meet one identified by an organization code.
-#}

{% macro uscc_alphabet() -%}
    {{ return('0123456789ABCDEFGHJKLMNPQRTUWXY') }}
{%- endmacro %}

{% macro uscc_weights() -%}
    {{ return([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]) }}
{%- endmacro %}

{% macro org_code_weights() -%}
    {{ return([3, 7, 9, 10, 5, 8, 4, 2]) }}
{%- endmacro %}

{#- Check character of a USCC over its first 17 characters (NULL if any is outside the
    31-character alphabet). -#}
{% macro uscc_check_char(code) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('uscc_check_char', 'bank_crm')(code) }}
    {%- else -%}
        {{ default__uscc_check_char(code) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__uscc_check_char(code) -%}
    {%- set alphabet = uscc_alphabet() -%}
    {%- set terms = [] -%}
    {%- for w in uscc_weights() -%}
        {%- do terms.append(
            "(nullif(strpos('" ~ alphabet ~ "', substr(" ~ code ~ ", " ~ loop.index
            ~ ", 1)), 0) - 1) * " ~ w
        ) -%}
    {%- endfor -%}
    substr(
        '{{ alphabet }}',
        cast((31 - ({{ terms | join('\n            + ') }}) % 31) % 31 as integer) + 1,
        1
    )
{%- endmacro %}

{#- A USCC is valid when it is 18 characters of the alphabet and its check character matches. -#}
{% macro uscc_is_valid(code) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('uscc_is_valid', 'bank_crm')(code) }}
    {%- else -%}
        {{ default__uscc_is_valid(code) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__uscc_is_valid(code) -%}
    coalesce(
        regexp_full_match({{ code }}, '[0-9A-HJ-NPQRTUWXY]{18}')
        and right({{ code }}, 1) = {{ uscc_check_char(code) }},
        false
    )
{%- endmacro %}

{#- Check character of an organization code over its first 8 characters: digits worth their
    value, letters A-Z worth 10-35; 11 - (sum mod 11), 10 -> 'X', 11 -> '0'. -#}
{% macro org_code_check_char(code) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('org_code_check_char', 'bank_crm')(code) }}
    {%- else -%}
        {{ default__org_code_check_char(code) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__org_code_check_char(code) -%}
    {%- set terms = [] -%}
    {%- for w in org_code_weights() -%}
        {%- do terms.append(
            "(nullif(strpos('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', substr(" ~ code ~ ", "
            ~ loop.index ~ ", 1)), 0) - 1) * " ~ w
        ) -%}
    {%- endfor -%}
    substr(
        '0123456789X0',
        cast(11 - ({{ terms | join('\n            + ') }}) % 11 as integer) + 1,
        1
    )
{%- endmacro %}

{#- An organization code (normalised: no hyphen) is valid when 8 characters 0-9/A-Z are followed
    by the matching check character. -#}
{% macro org_code_is_valid(code) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('org_code_is_valid', 'bank_crm')(code) }}
    {%- else -%}
        {{ default__org_code_is_valid(code) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__org_code_is_valid(code) -%}
    coalesce(
        regexp_full_match({{ code }}, '[0-9A-Z]{8}[0-9X]')
        and right({{ code }}, 1) = {{ org_code_check_char(code) }},
        false
    )
{%- endmacro %}

{#- The organization code (9 characters, no hyphen) inside a USCC: positions 9 to 17. -#}
{% macro org_code_from_uscc(code) -%}
    substr({{ code }}, 9, 9)
{%- endmacro %}

{#- Quality code of a normalised enterprise identifier:
    missing | placeholder | valid_uscc | valid_org_code | invalid_check | wrong_length |
    invalid_chars. Length decides what the code claims to be: 18 a USCC, 9 an organization code.
-#}
{% macro enterprise_id_quality(code) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('enterprise_id_quality', 'bank_crm')(code) }}
    {%- else -%}
        {{ default__enterprise_id_quality(code) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__enterprise_id_quality(code) -%}
    case
        when {{ code }} is null or {{ code }} = '' then 'missing'
        when length(replace({{ code }}, left({{ code }}, 1), '')) = 0 then 'placeholder'
        when length({{ code }}) = 18 then case
            when not regexp_full_match({{ code }}, '[0-9A-HJ-NPQRTUWXY]{18}') then 'invalid_chars'
            when {{ uscc_is_valid(code) }} then 'valid_uscc'
            else 'invalid_check'
        end
        when length({{ code }}) = 9 then case
            when not regexp_full_match({{ code }}, '[0-9A-Z]{8}[0-9X]') then 'invalid_chars'
            when {{ org_code_is_valid(code) }} then 'valid_org_code'
            else 'invalid_check'
        end
        when regexp_full_match({{ code }}, '[0-9A-Z]+') then 'wrong_length'
        else 'invalid_chars'
    end
{%- endmacro %}

{#- The organization code that links enterprise records whatever form they were keyed in:
    from a valid USCC its positions 9-17, from a valid organization code the code itself,
    else NULL. Takes the normalised code and its quality code column. -#}
{% macro enterprise_org_code(code, quality) -%}
    case {{ quality }}
        when 'valid_uscc' then {{ org_code_from_uscc(code) }}
        when 'valid_org_code' then {{ code }}
    end
{%- endmacro %}
