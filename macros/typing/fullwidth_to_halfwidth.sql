{#-
    Full-width ASCII forms (U+FF01..U+FF5E) and the ideographic space (U+3000) to their
    half-width equivalents. Chinese input methods emit these when the operator forgets to
    switch modes, so identity numbers, mobiles and names arrive with '１２３' or 'Ｘ'.
-#}
{% macro fullwidth_to_halfwidth(expr) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('fullwidth_to_halfwidth', 'bank_crm')(expr) }}
    {%- else -%}
        {{ default__fullwidth_to_halfwidth(expr) }}
    {%- endif -%}
{%- endmacro %}

{#- translate() costs about 15 microseconds a row on DuckDB whatever the input, so it only runs
    on the rare values that hold a full-width character (a regexp test is ~30x cheaper). -#}
{% macro default__fullwidth_to_halfwidth(expr) -%}
    case
        when regexp_matches({{ expr }}, '[　！-～]')
            then translate(
                {{ expr }},
                '　！＂＃＄％＆＇（）＊＋，－．／０１２３４５６７８９：；＜＝＞？＠ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ［＼］＾＿｀ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ｛｜｝～',
                ' !"#$%&''()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefghijklmnopqrstuvwxyz{|}~'
            )
        else {{ expr }}
    end
{%- endmacro %}
