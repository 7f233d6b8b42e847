{#-
    One quality code per customer record, whichever kind of party it is.
    party_kind: an expression giving 'P' (person) or 'E' (enterprise).
    Persons: resident_id_quality when cert_type is a resident identity card ('101', '102') or
    missing (pre-real-name records often lack the type); other certificate types
    (passports, ...) are 'other_cert_type', or 'missing' without a number.
    Enterprises: enterprise_id_quality whatever the type says (the length tells a credit code
    from an organization code; systems mislabel them), except business licence numbers and
    'other' ('203', '299') -> 'other_cert_type'.
-#}
{% macro cert_quality(party_kind, cert_type, cert_norm) -%}
    case
        when {{ party_kind }} = 'E' then case
            when {{ cert_type }} in ('203', '299') and {{ cert_norm }} is not null
                then 'other_cert_type'
            else {{ enterprise_id_quality(cert_norm) }}
        end
        when {{ cert_type }} is null or {{ cert_type }} in ('101', '102')
            then {{ resident_id_quality(cert_norm) }}
        when {{ cert_norm }} is null then 'missing'
        else 'other_cert_type'
    end
{%- endmacro %}

{#- The trusted 18-character resident identity number of a person record, from the
    normalised number and its cert_quality. -#}
{% macro person_resident_id(cert_norm, quality) -%}
    {{ resident_id_standard(cert_norm, quality) }}
{%- endmacro %}

{#- Valid USCC or NULL. -#}
{% macro enterprise_uscc(cert_norm, quality) -%}
    case when {{ quality }} = 'valid_uscc' then {{ cert_norm }} end
{%- endmacro %}
