"""The demo's organisations: the runners of the relay, beside the migrated municipal desks.

Everything here is synthetic contact data (``example.org`` addresses, 0800
numbers); the names are those of the kinds of organisation the sources name
(DOMAIN.md §2), used as recognisable examples.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from estafette.organisations.models import (
    Country,
    Municipality,
    Organisation,
    OrganisationKind,
)

BB_CODE = "bureau-buitenland"
"""Its presence marks a database that holds the demo (see ``build.demo_present``)."""

# (code suffix, display region, countries). The Americas desk also covers the
# United States: one desk per continent-sized caseload, as BB's regions do.
BB_REGIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("zuid-europa", "Zuid-Europa", ("ES", "PT", "IT")),
    ("west-europa", "West-Europa", ("DE", "BE", "FR", "GB")),
    ("latijns-amerika", "Latijns-Amerika & Caribisch gebied", ("PE", "BR", "CO", "DO", "US")),
    ("azie-oceanie", "Azië & Oceanië", ("TH", "ID")),
    ("oost-europa-mo-afrika", "Oost-Europa, Midden-Oosten & Afrika", ("TR", "MA", "AE")),
)

# Detention countries of the demo with the city of the Dutch post there.
CONSULAR_CITIES: dict[str, str] = {
    "ES": "Madrid",
    "DE": "Berlijn",
    "BE": "Brussel",
    "FR": "Parijs",
    "PT": "Lissabon",
    "IT": "Rome",
    "GB": "Londen",
    "PE": "Lima",
    "BR": "Brasília",
    "CO": "Bogotá",
    "DO": "Santo Domingo",
    "TH": "Bangkok",
    "ID": "Jakarta",
    "US": "Washington",
    "TR": "Ankara",
    "MA": "Rabat",
    "AE": "Abu Dhabi",
}

# (code, name, municipality common_name)
PRISONS: tuple[tuple[str, str, str], ...] = (
    ("pi-vught", "PI Vught", "Vught"),
    ("pi-zwolle", "PI Zwolle", "Zwolle"),
    ("pi-nieuwegein", "PI Nieuwegein", "Nieuwegein"),
    ("pi-krimpen", "PI Krimpen", "Krimpen aan den IJssel"),
    ("pi-almelo", "PI Almelo", "Almelo"),
    ("pi-heerhugowaard", "PI Heerhugowaard", "Dijk en Waard"),
    ("pi-ter-apel", "PI Ter Apel", "Westerwolde"),
    ("pi-sittard", "PI Sittard", "Sittard-Geleen"),
    ("pi-arnhem", "PI Arnhem (Berg)", "Arnhem"),
    ("pi-alphen", "PI Alphen", "Alphen aan den Rijn"),
)

# (code, name, kind, municipality common_name or "")
OTHERS: tuple[tuple[str, str, str, str], ...] = (
    ("reclassering-nederland", "Reclassering Nederland", OrganisationKind.PROBATION, "Utrecht"),
    (
        "leger-des-heils-jr",
        "Leger des Heils Jeugdbescherming & Reclassering",
        OrganisationKind.PROBATION,
        "Almere",
    ),
    ("svg", "Verslavingsreclassering GGZ (SVG)", OrganisationKind.PROBATION, "Utrecht"),
    ("currentstart", "CurrentStart", OrganisationKind.LANDING_PLACE, "Amsterdam"),
    ("de-instap", "De Instap", OrganisationKind.LANDING_PLACE, "Rotterdam"),
    (
        "leger-des-heils-opvang",
        "Leger des Heils opvang",
        OrganisationKind.LANDING_PLACE,
        "Den Haag",
    ),
    ("exodus", "Exodus", OrganisationKind.LANDING_PLACE, "Utrecht"),
    ("brug-binnen-buiten", "Brug Binnen Buiten", OrganisationKind.BUDDY_PROGRAMME, "Arnhem"),
    ("schiphol-social-work", "Schiphol Social Work", OrganisationKind.PARTNER, "Haarlemmermeer"),
    ("dutch-and-detained", "Dutch & Detained", OrganisationKind.PARTNER, "Den Haag"),
)

ARNHEM_DESK = "nazorg-gm0202"
ARNHEM_SERVES = (
    "Rheden",
    "Renkum",
    "Rozendaal",
    "Doesburg",
    "Zevenaar",
    "Duiven",
    "Westervoort",
    "Lingewaard",
    "Overbetuwe",
)


@dataclass
class Directory:
    """The organisations the generators draw from, looked up once."""

    bb: Organisation
    bb_desks: dict[str, Organisation]  # region suffix -> desk
    desk_for_country: dict[str, Organisation]  # ISO2 -> BB regional desk
    volunteers: Organisation
    epafras: Organisation
    posts: dict[str, Organisation]  # ISO2 -> consular post
    prisons: dict[str, Organisation]  # code -> prison
    others: dict[str, Organisation]  # code -> probation, landing places, buddy, partners
    countries: dict[str, Country]
    municipalities: dict[str, Municipality]  # common_name -> municipality (one of the Bergens)
    arnhem: Organisation
    aftercare_by_municipality: dict[int, int] = field(default_factory=dict)
    """Municipality id -> id of the desk that receives its referrals (central desk if served)."""


def _contact(code: str, index: int) -> dict[str, str]:
    """Fake, clearly unreal contact data: example.org mail and a 0800 number."""
    return {"email": f"{code}@example.org", "phone": f"0800-{1000 + index:04d}"}


def organisations_create() -> Directory:
    """Create the demo organisations and make Arnhem's desk a central municipality.

    Contract: idempotent per code (``update_or_create``), so it may run on a
    database where a previous build was wiped; the migrated municipal desks
    are only given contact data and, for Arnhem, the municipalities it serves.
    """
    countries = {c.iso2: c for c in Country.objects.filter(iso2__in=[*CONSULAR_CITIES, "NL"])}
    municipalities = {m.common_name: m for m in Municipality.objects.all()}
    counter = iter(range(1, 10_000))

    def upsert(code: str, **fields: object) -> Organisation:
        fields.update(_contact(code, next(counter)))
        org, _ = Organisation.objects.update_or_create(code=code, defaults=fields)
        return org

    bb = upsert(
        BB_CODE,
        name="Bureau Buitenland",
        kind=OrganisationKind.BUREAU_BUITENLAND,
        municipality=municipalities["Utrecht"],
    )
    bb_desks: dict[str, Organisation] = {}
    desk_for_country: dict[str, Organisation] = {}
    for suffix, region, isos in BB_REGIONS:
        desk = upsert(
            f"bb-{suffix}",
            name=f"Bureau Buitenland — regio {region}",
            kind=OrganisationKind.BB_REGIONAL_DESK,
            parent=bb,
            municipality=municipalities["Utrecht"],
        )
        bb_desks[suffix] = desk
        for iso in isos:
            desk_for_country[iso] = desk
    volunteers = upsert(
        "bb-vrijwilligers",
        name="Bureau Buitenland — bezoekvrijwilligers",
        kind=OrganisationKind.VOLUNTEER_ORGANISATION,
        parent=bb,
        volunteer_focus="visiting",
    )
    epafras = upsert(
        "stichting-epafras",
        name="Stichting Epafras",
        kind=OrganisationKind.VOLUNTEER_ORGANISATION,
        volunteer_focus="spiritual",
    )
    posts = {
        iso: upsert(
            f"post-{iso.lower()}",
            name=f"Nederlandse ambassade {city}",
            kind=OrganisationKind.CONSULAR_POST,
            country=countries[iso],
        )
        for iso, city in CONSULAR_CITIES.items()
    }
    prisons = {
        code: upsert(
            code, name=name, kind=OrganisationKind.PRISON, municipality=municipalities[place]
        )
        for code, name, place in PRISONS
    }
    others = {
        code: upsert(code, name=name, kind=kind, municipality=municipalities.get(place))
        for code, name, kind, place in OTHERS
    }

    # The migrated desks: contact data for all, a service area for Arnhem.
    desks = list(
        Organisation.objects.filter(kind=OrganisationKind.MUNICIPAL_AFTERCARE).order_by("code")
    )
    for index, desk in enumerate(desks):
        desk.email = f"{desk.code}@example.org"
        desk.phone = f"0800-{5000 + index:04d}"
    Organisation.objects.bulk_update(desks, ["email", "phone"], batch_size=500)
    arnhem = Organisation.objects.get(code=ARNHEM_DESK)
    served = [municipalities[name] for name in ARNHEM_SERVES]
    arnhem.serves_municipalities.set(served)

    aftercare = {desk.municipality_id: desk.pk for desk in desks if desk.municipality_id}
    for municipality in served:
        aftercare[municipality.pk] = arnhem.pk
    return Directory(
        bb=bb,
        bb_desks=bb_desks,
        desk_for_country=desk_for_country,
        volunteers=volunteers,
        epafras=epafras,
        posts=posts,
        prisons=prisons,
        others=others,
        countries=countries,
        municipalities=municipalities,
        arnhem=arnhem,
        aftercare_by_municipality=aftercare,
    )


DEMO_ORGANISATION_CODES: tuple[str, ...] = (
    BB_CODE,
    *(f"bb-{suffix}" for suffix, _, _ in BB_REGIONS),
    "bb-vrijwilligers",
    "stichting-epafras",
    *(f"post-{iso.lower()}" for iso in CONSULAR_CITIES),
    *(code for code, _, _ in PRISONS),
    *(code for code, _, _, _ in OTHERS),
)
"""Codes of the organisations the demo creates (the municipal desks come by migration)."""
