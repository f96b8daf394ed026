"""A curated list of countries (ISO 3166-1 alpha-2) offered on the profile page.

The code picks crisis lines and the emergency number shown, so the list favours
countries with crisis services we can point to; add to it as services are added.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

COUNTRIES: dict[str, str | Promise] = {
    "AR": _("Argentina"),
    "AU": _("Australia"),
    "AT": _("Austria"),
    "BE": _("Belgium"),
    "BO": _("Bolivia"),
    "BR": _("Brazil"),
    "CA": _("Canada"),
    "CL": _("Chile"),
    "CN": _("China"),
    "CO": _("Colombia"),
    "CR": _("Costa Rica"),
    "CU": _("Cuba"),
    "CZ": _("Czechia"),
    "DK": _("Denmark"),
    "DO": _("Dominican Republic"),
    "EC": _("Ecuador"),
    "EG": _("Egypt"),
    "SV": _("El Salvador"),
    "FI": _("Finland"),
    "FR": _("France"),
    "DE": _("Germany"),
    "GH": _("Ghana"),
    "GR": _("Greece"),
    "GT": _("Guatemala"),
    "HN": _("Honduras"),
    "HK": _("Hong Kong"),
    "HU": _("Hungary"),
    "IS": _("Iceland"),
    "IN": _("India"),
    "ID": _("Indonesia"),
    "IE": _("Ireland"),
    "IL": _("Israel"),
    "IT": _("Italy"),
    "JM": _("Jamaica"),
    "JP": _("Japan"),
    "KE": _("Kenya"),
    "KR": _("South Korea"),
    "MY": _("Malaysia"),
    "MX": _("Mexico"),
    "MA": _("Morocco"),
    "NL": _("Netherlands"),
    "NZ": _("New Zealand"),
    "NI": _("Nicaragua"),
    "NG": _("Nigeria"),
    "NO": _("Norway"),
    "PA": _("Panama"),
    "PY": _("Paraguay"),
    "PE": _("Peru"),
    "PH": _("Philippines"),
    "PL": _("Poland"),
    "PT": _("Portugal"),
    "PR": _("Puerto Rico"),
    "RO": _("Romania"),
    "SG": _("Singapore"),
    "ZA": _("South Africa"),
    "ES": _("Spain"),
    "SE": _("Sweden"),
    "CH": _("Switzerland"),
    "TR": _("Turkey"),
    "UA": _("Ukraine"),
    "AE": _("United Arab Emirates"),
    "GB": _("United Kingdom"),
    "US": _("United States"),
    "UY": _("Uruguay"),
    "VE": _("Venezuela"),
}


def country_choices() -> list[tuple[str, str]]:
    """Countries sorted by their name in the active language."""
    return sorted(((code, str(name)) for code, name in COUNTRIES.items()), key=lambda c: c[1])
