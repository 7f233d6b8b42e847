{#-
    Spark forms of the typing macros (macros/typing). Spark 4 runs with ANSI mode on, so a
    failing cast raises as on DuckDB: the try_ forms return NULL instead, which the callers
    route to rejects exactly as the DuckDB versions do.
-#}
{% macro spark__to_date(expr, open_ended='null') -%}
    case
        when trim({{ expr }}) = '00000000' then null
        when trim({{ expr }}) = '99991231'
            then {% if open_ended == 'keep' %}date '9999-12-31'{% else %}cast(null as date){% endif %}
        when {{ spark__regex_full_match('trim(' ~ expr ~ ')', '[0-9]{8}') }}
            then try_to_date(trim({{ expr }}), 'yyyyMMdd')
    end
{%- endmacro %}

{#- Wall-clock Asia/Shanghai time without a time zone, as on DuckDB (timestamp_ntz). -#}
{% macro spark__to_timestamp_local(expr) -%}
    case
        when trim({{ expr }}) = '00000000000000' then cast(null as timestamp_ntz)
        when {{ spark__regex_full_match('trim(' ~ expr ~ ')', '[0-9]{14}') }}
            then cast(try_to_timestamp(trim({{ expr }}), 'yyyyMMddHHmmss') as timestamp_ntz)
    end
{%- endmacro %}

{% macro spark__to_decimal(expr, precision=18, scale=2) -%}
    case
        when {{ spark__regex_full_match(expr, number_pattern(scale)) }}
            then try_cast({{ expr }} as decimal({{ precision }}, {{ scale }}))
    end
{%- endmacro %}

{% macro spark__to_integer(expr) -%}
    case
        when {{ spark__regex_full_match(expr, number_pattern(0)) }} then try_cast({{ expr }} as bigint)
    end
{%- endmacro %}

{#- translate() on every value (no cheap pre-test needed on Spark). The half-width side holds a
    quote and a backslash, so it is written as an escaped (not raw) literal. -#}
{% macro spark__fullwidth_to_halfwidth(expr) -%}
    {%- set half = ' !"#$%&' ~ "'" ~ '()*+,-./0123456789:;<=>?@'
        ~ 'ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~' -%}
    translate(
        {{ expr }},
        '　！＂＃＄％＆＇（）＊＋，－．／０１２３４５６７８９：；＜＝＞？＠ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ［＼］＾＿｀ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ｛｜｝～',
        '{{ half | replace("\\", "\\\\") | replace("'", "\\'") }}'
    )
{%- endmacro %}
