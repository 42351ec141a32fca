"""The demo's vocabulary: where people are detained, where they live, what workers write.

Weights follow DOMAIN.md §8; the sentences are the kind a worker types into a
handover or a timeline (in Dutch, the interface's default language).
"""

from __future__ import annotations

# Share of today's detainees abroad per country (DOMAIN.md §8: mostly Western and
# Southern Europe, then Latin America, Asia and a few others).
COUNTRY_WEIGHTS: dict[str, float] = {
    "ES": 21, "DE": 14, "BE": 10, "FR": 9, "PT": 4, "IT": 5, "GB": 6,
    "PE": 5, "BR": 4, "CO": 3, "DO": 3, "TH": 3, "ID": 1, "US": 4, "TR": 4, "MA": 2, "AE": 2,
}  # fmt: skip
EUROPE = frozenset({"ES", "DE", "BE", "FR", "PT", "IT", "GB"})
TRANSFER_COUNTRIES = ("ES", "DE", "BE", "FR", "PT", "IT", "PE", "BR", "TH")

PLACES: dict[str, tuple[str, tuple[str, ...]]] = {
    "ES": ("Centro Penitenciario", ("Madrid", "Málaga", "Valencia", "Algeciras", "Palma")),
    "DE": ("JVA", ("Düsseldorf", "Köln", "Kleve", "Aachen", "Hamburg")),
    "BE": ("Gevangenis", ("Antwerpen", "Brugge", "Haren", "Hasselt", "Lantin")),
    "FR": ("Centre pénitentiaire", ("Lille", "Paris", "Marseille", "Lyon")),
    "PT": ("Estabelecimento Prisional", ("Lisboa", "Porto", "Faro")),
    "IT": ("Casa circondariale", ("Roma", "Milano", "Napoli")),
    "GB": ("HMP", ("London", "Liverpool", "Manchester")),
    "PE": ("Establecimiento Penitenciario", ("Lima", "Callao", "Chiclayo")),
    "BR": ("Penitenciária", ("São Paulo", "Rio de Janeiro", "Fortaleza")),
    "CO": ("Establecimiento Penitenciario", ("Bogotá", "Cartagena", "Cali")),
    "DO": ("Centro de Corrección", ("Santo Domingo", "Puerto Plata")),
    "TH": ("Prison", ("Bangkok", "Pattaya", "Chiang Mai")),
    "ID": ("Lapas", ("Denpasar", "Jakarta")),
    "US": ("Correctional Institution", ("Miami", "New York", "Houston")),
    "TR": ("Cezaevi", ("İstanbul", "Antalya", "İzmir")),
    "MA": ("Prison", ("Tanger", "Casablanca", "Nador")),
    "AE": ("Central Prison", ("Dubai", "Abu Dhabi")),
}

# Rough weights of where people were last registered: the large cities weigh
# most; Arnhem and the municipalities its desk serves weigh a little extra so
# the `nazorg` demo account has a caseload (every other municipality: 1.5).
MUNICIPALITY_WEIGHTS: dict[str, float] = {
    "Amsterdam": 45, "Rotterdam": 38, "Den Haag": 30, "Utrecht": 18, "Eindhoven": 12,
    "Groningen": 11, "Tilburg": 11, "Almere": 11, "Breda": 9, "Nijmegen": 9, "Arnhem": 40,
    "Apeldoorn": 8, "Haarlem": 8, "Enschede": 8, "Amersfoort": 7, "Zaanstad": 7,
    "Den Bosch": 7, "Haarlemmermeer": 6, "Zwolle": 7, "Leiden": 6, "Maastricht": 6,
    "Dordrecht": 6, "Zoetermeer": 6, "Heerlen": 5, "Venlo": 5, "Emmen": 5, "Deventer": 5,
    "Leeuwarden": 6, "Schiedam": 5, "Vlaardingen": 4, "Lelystad": 4, "Helmond": 4,
    "Rheden": 6, "Renkum": 4, "Zevenaar": 5, "Duiven": 3, "Westervoort": 3, "Lingewaard": 4,
    "Overbetuwe": 4, "Doesburg": 2, "Rozendaal": 1,
}  # fmt: skip

SECOND_NATIONALITIES = ("MA", "TR", "SR", "CW", "DO", "CO", "ES", "DE", "BE", "GB")

PRISON_WEIGHTS: dict[str, float] = {
    "pi-vught": 14, "pi-zwolle": 10, "pi-nieuwegein": 9, "pi-krimpen": 9, "pi-almelo": 8,
    "pi-heerhugowaard": 9, "pi-ter-apel": 6, "pi-sittard": 9, "pi-arnhem": 12, "pi-alphen": 10,
}  # fmt: skip

MSG_GUIDANCE = (
    "Betrokkene vraagt schriftelijk om begeleiding door Bureau Buitenland; "
    "het getekende formulier is bijgevoegd."
)
MSG_REFERRAL = (
    "Verwijzing gemeentelijke nazorg: terugkeer verwacht rond {release}. "
    "Toestemming voor nazorg is getekend. Graag contact over ID, inkomen en onderdak."
)
MSG_INFOBLAD = (
    "Infoblad via het justitieportaal: ontslag op {release}. "
    "Graag afstemming over ID, inkomen, onderdak, schulden en zorg."
)
MSG_PROBATION = "Toezicht na ontslag op {release}; graag intake plannen vóór ontslag."
MSG_TRANSFER = "Strafoverdracht ({law}) toegekend; overbrenging naar {prison} wordt voorbereid."
MSG_LANDING = "Vraag om een plek: betrokkene heeft na terugkeer nog geen onderdak."
MSG_BUDDY = "Aanmelding buddy: betrokkene wil graag een vrijwilliger naast zich."
INFO = (
    "Leefsituatie, wensen van betrokkene en wat al geregeld is staan in het dossier; "
    "contactpersoon is op de hoogte."
)

DECLINE_REASONS = (
    "Volgens de BRP niet in onze gemeente ingeschreven; laatste inschrijving is elders.",
    "Betrokkene vestigt zich in een andere gemeente; stuur de verwijzing daarheen.",
    "Geen getekende toestemming voor nazorg ontvangen; graag eerst het formulier.",
)
NO_SHOW_REASONS = (
    "Niet verschenen op de afspraak na terugkeer; telefonisch niet bereikbaar.",
    "Twee afspraken gemist; brief kwam retour.",
    "Niet gemeld na terugkeer; contactpersoon weet geen adres.",
)
CLOSE_REASONS_ABROAD = (
    "Detentie in het buitenland beëindigd; de begeleiding door Bureau Buitenland stopt.",
    "Teruggekeerd naar Nederland; geen vraag om nazorg.",
)
CLOSE_REASONS_DONE = (
    "Basisvoorwaarden op orde; traject afgerond.",
    "Geen verdere hulpvraag; afgesloten met betrokkene.",
    "Betrokkene heeft werk en woonruimte; nazorg afgerond.",
)
CLOSE_REASONS_LOST = (
    "Na de no-show niet meer bereikbaar, ook niet via de contactpersoon.",
    "Betrokkene wil geen verdere ondersteuning.",
)
WITHDRAW_RELEASED = "Vrijgelaten voordat de begeleiding kon beginnen."
WITHDRAW_FOR_TRANSFER = "Strafoverdracht gaat voor; het verzoek om begeleiding is ingetrokken."
CLOSE_REASON_PRISON = "Ontslagen zonder overdracht; geen vraag om nazorg."
CLOSE_REASON_OWN = "Teruggekeerd op eigen kracht; consulaire bijstand beëindigd."

NEXT_STEPS_BB = (
    "Bezoekverslag bespreken met vrijwilliger",
    "Contactpersoon informeren over de stand van zaken",
    "Boekje 'Terugkeer' sturen",
    "Reclasseringsrapportage voor de rechtbank",
)
NEXT_STEPS_PRISON = (
    "Mentorgesprek",
    "D&R-plan met gemeente en reclassering",
    "Screening vijf leefgebieden",
)
NEXT_STEPS_AFTERCARE = (
    "ID aanvragen bij Burgerzaken",
    "Uitkering aanvragen bij Werk & Inkomen",
    "Zorgverzekering regelen",
    "Schuldhulp: eerste gesprek Kredietbank",
    "Onderdak zoeken",
)

# What the person is detained for (data class "offence"; synthetic, generic wording).
# Abroad, drug smuggling and trafficking dominate (couriers above all); at home the
# mix is wider. Weights are rough shares, not statistics.
OFFENCES_ABROAD: dict[str, float] = {
    "Drugssmokkel (koerier)": 36, "Invoer van verdovende middelen": 14, "Drugshandel": 10,
    "Bezit van verdovende middelen": 6, "Fraude": 6, "Witwassen": 4, "Geweldsdelict": 6,
    "Diefstal": 5, "Overval": 2, "Verboden wapenbezit": 3, "Mensensmokkel": 2,
    "Zedendelict": 2, "Verkeersdelict met letsel": 2, "Oplichting": 2,
}  # fmt: skip
OFFENCES_DOMESTIC: dict[str, float] = {
    "Diefstal": 14, "Inbraak": 10, "Geweldsdelict": 16, "Mishandeling": 8, "Drugshandel": 12,
    "Fraude": 8, "Oplichting": 5, "Overval": 5, "Verboden wapenbezit": 4, "Zedendelict": 3,
    "Bedreiging": 5, "Verkeersdelict met letsel": 3, "Heling": 3, "Witwassen": 2,
}  # fmt: skip

REVOKE_AFTERCARE = (
    "Wil geen contact meer met de gemeente; regelt het zelf met familie.",
    "Trekt de toestemming voor nazorg in; wil niet dat er nog gegevens worden gedeeld.",
    "Vertrekt weer naar het buitenland; wil geen nazorg meer.",
)
REVOKE_ON_CLOSING = "Wil geen verdere ondersteuning; trekt de toestemming voor nazorg in."
REVOKE_VISITS = (
    "Wil geen bezoek meer van de vrijwilliger.",
    "Krijgt bezoek van familie; heeft geen vrijwilliger meer nodig.",
)
