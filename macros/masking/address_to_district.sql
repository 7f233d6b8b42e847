{#-
    A Chinese address cut to province, city and district; street, number, building dropped.

        广东省广州市天河区天河路385号      -> 广东省广州市天河区
        北京市朝阳区建国路88号             -> 北京市朝阳区
        新疆维吾尔自治区乌鲁木齐市天山区…  -> 新疆维吾尔自治区乌鲁木齐市天山区
        湖北省恩施土家族苗族自治州恩施市…  -> 湖北省恩施土家族苗族自治州恩施市
        河北省辛集市兴华路100号            -> 河北省辛集市           (no district level)

    Rule: from the start, an optional province (a municipality 北京市/天津市/上海市/重庆市,
    '…省', '…自治区' or '…特别行政区'), an optional city ('…市', '…自治州', '…地区', '…盟'),
    then the first district-level unit ('…区', '…县', '…市', '…旗') after them, whose name
    may not contain digits or 号. At least a province or a city must be found; otherwise the
    result is NULL (fail closed: an address we cannot parse is not published at all).
    Whitespace is removed first.
    Known limit: a street name ending in 区/县/市/旗 right after a city without a district
    (e.g. '某市工业区') is kept as if it were the district; where the region code is known,
    prefer the district name from the GB/T 2260 code list.
-#}
{% macro address_to_district(expr) -%}
    {%- if adapter is defined -%}
        {{ adapter.dispatch('address_to_district', 'bank_crm')(expr) }}
    {%- else -%}
        {{ default__address_to_district(expr) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__address_to_district(expr) -%}
    {%- set province = "(?:北京市|天津市|上海市|重庆市|[^省市区县]{2,7}?省|[^省市区县]{2,10}?自治区|[^省市区县]{2,4}?特别行政区)" -%}
    {%- set city = "(?:[^省市区县]{1,12}?(?:市|自治州|地区|盟))" -%}
    {%- set district = "(?:[^省市区县旗号0-9]{1,10}?(?:区|县|市|旗))" -%}
    nullif(
        regexp_extract(
            regexp_replace(cast({{ expr }} as varchar), '[[:space:]　]', '', 'g'),
            '^(?:{{ province }}{{ city }}?|{{ city }}){{ district }}?',
            0
        ),
        ''
    )
{%- endmacro %}
