"""Named example people, built through the real services so their timelines are rich.

One per route, one per weak link of DOMAIN.md §7, and the consent stories
(withdrawn, ended, missing). Each story moves the
application clock back (``clock.frozen``) to the day a step happened, then
calls the service an organisation's worker would call that day; the
timeline, stretches, handover history, consents, disclosures and audit trail
are therefore exactly what the product itself writes. ``EXAMPLES.md``
describes them for a demo.

Every step lies at least a day before today, so nothing is dated in the
future whatever the hour the demo is built.
"""

from __future__ import annotations

import datetime as dt
import random

from estafette.consent.models import Consent, EvidenceKind
from estafette.consent.services import consent_expire_sweep, consent_revoke
from estafette.core import clock
from estafette.demo.accounts import Accounts
from estafette.demo.ledger import AFTERCARE, BUDDY, CONSULAR, CONTACT_PERSON, PARTNER
from estafette.demo.organisations import Directory
from estafette.demo.story import STORIES, Example, Story, known_release, story
from estafette.handovers.models import Purpose
from estafette.handovers.services import (
    handover_accept,
    handover_acknowledge_outcome,
    handover_decline,
    handover_record_no_show,
    handover_record_taken_up,
    handover_send,
)
from estafette.organisations.models import Role
from estafette.people.models import Channel, Literacy, Relation
from estafette.trajectories.models import (
    ParticipantRole,
    Phase,
    RegistrationCertainty,
    ReleaseCertainty,
    Route,
)
from estafette.trajectories.services import (
    participant_add,
    trajectory_change_route,
    trajectory_open,
    trajectory_plan_next_step,
    trajectory_set_phase,
    trajectory_set_release,
)

# ---------------------------------------------------------------- the stories


@story(
    "Sander",
    "Verhoeven",
    "route: abroad, guided by BB (Spain), volunteer visits, booklet next",
    seen_by=("coordinator", "consul", "volunteer"),
)
def sander_verhoeven(s: Story) -> None:
    # The demo's person and contact person on their own pages (issue 13): both have an
    # e-mail address for a code, and Sander shares his stay and basic conditions with
    # his sister (`manage.py demo_accounts` prints how to sign in as either).
    person = s.person(
        "Sander",
        "Verhoeven",
        born=1988,
        contact=("Ilse Verhoeven", Relation.SIBLING),
        email="sander.verhoeven@example.org",
    )
    trajectory = s.bb_case(
        person,
        place="Centro Penitenciario Málaga",
        since=430,
        registration="Utrecht",
        certainty=RegistrationCertainty.ARREST_NOTIFICATION,
        volunteer=True,
    )
    s.consent(
        person,
        CONTACT_PERSON,
        days_ago=300,
        actor=s.coordinator,
        receiver=s.zuid,
        place="Centro Penitenciario Málaga",
    )
    with s.on(200):
        trajectory_set_release(
            actor=s.coordinator,
            trajectory=trajectory,
            certainty=ReleaseCertainty.KNOWN,
            date=s.date(210),
            reason="Vonnis in hoger beroep bevestigd; einddatum van de advocaat.",
        )
    with s.on(8):
        trajectory_plan_next_step(
            actor=s.coordinator,
            trajectory=trajectory,
            next_step="Boekje 'Terugkeer' sturen aan betrokkene en contactpersoon",
            due=s.date(30),
        )


@story(
    "Youssef",
    "Benali",
    "route: sentence transfer (WETS) from Portugal to PI Vught",
    seen_by=("casemanager", "coordinator"),
)
def youssef_benali(s: Story) -> None:
    person = s.person("Youssef", "Benali", born=1991)
    trajectory = s.bb_case(
        person,
        iso="PT",
        place="Estabelecimento Prisional Lisboa",
        since=520,
        registration="Den Bosch",
        release=known_release(150, s),
    )
    with s.on(200):
        trajectory_change_route(
            actor=s.coordinator,
            trajectory=trajectory,
            route=Route.ABROAD_TRANSFER,
            transfer_law="WETS",
            reason="Verzoek om strafoverdracht (WETS) toegekend door Portugal.",
        )
    with s.on(75):
        handover = handover_send(
            actor=s.coordinator,
            trajectory=trajectory,
            receiver=s.vught,
            purpose=Purpose.SENTENCE_TRANSFER,
            message="Strafoverdracht (WETS): overbrenging naar PI Vught gepland.",
            information="Betrokkene spreekt Nederlands en Portugees; contactpersoon in Den Bosch.",
            data_classes=["identity", "detention"],
        )
    with s.on(62):
        handover_accept(actor=s.casemanager, handover=handover)
    with s.on(60):
        handover_record_taken_up(actor=s.casemanager, handover=handover, note="Aangekomen.")
    with s.on(59):
        handover_acknowledge_outcome(actor=s.coordinator, handover=handover)
    with s.on(20):
        trajectory_plan_next_step(
            actor=s.casemanager,
            trajectory=trajectory,
            next_step="D&R-plan met gemeente Den Bosch en reclassering",
            due=s.date(5),
        )


@story(
    "Ruud",
    "Hendriks",
    "route: abroad on own strength (Spain), held by the consulate",
    seen_by=("consul",),
)
def ruud_hendriks(s: Story) -> None:
    person = s.person("Ruud", "Hendriks", born=1975, preferred_channel=Channel.PHONE)
    with s.on(160):
        trajectory = trajectory_open(
            actor=s.consul,
            person=person,
            route=Route.ABROAD_OWN,
            country=s.d.countries["ES"],
            detention_place="Centro Penitenciario Algeciras",
            detention_start=s.date(-166),
            release_certainty=ReleaseCertainty.ESTIMATE,
            release_date=s.date(400),
            registration_municipality=s.municipality("Rotterdam"),
            registration_certainty=RegistrationCertainty.ARREST_NOTIFICATION,
        )
    s.consent(
        person,
        CONSULAR,
        days_ago=160,
        actor=s.consul,
        receiver=s.es,
        place="Centro Penitenciario Algeciras",
    )
    with s.on(30):
        trajectory_plan_next_step(
            actor=s.consul,
            trajectory=trajectory,
            next_step="Consulair bezoek (basispakket: één bezoek per detentie); "
            "opnieuw wijzen op Bureau Buitenland",
            due=s.date(45),
        )


@story(
    "Dennis",
    "de Wit",
    "route: domestic; referral from PI Vught to Arnhem in the air",
    seen_by=("casemanager", "nazorg"),
)
def dennis_de_wit(s: Story) -> None:
    person = s.person("Dennis", "de Wit", born=1996, contact=("Petra de Wit", Relation.PARENT))
    with s.on(170):
        trajectory = trajectory_open(
            actor=s.casemanager,
            person=person,
            route=Route.DOMESTIC,
            detention_place="PI Vught",
            detention_start=s.date(-170),
            registration_municipality=s.municipality("Arnhem"),
            registration_certainty=RegistrationCertainty.CONFIRMED,
            **known_release(24, s),
        )
    s.refer(
        trajectory,
        days_ago=5,
        sender=s.casemanager,
        message="Infoblad via het justitieportaal: ontslag over ruim drie weken. "
        "Geen woning; ID verloopt volgende maand.",
    )


@story(
    "Johan",
    "Mulder",
    "release date unknown while release may be weeks away",
    seen_by=("coordinator",),
)
def johan_mulder(s: Story) -> None:
    person = s.person("Johan", "Mulder", born=1969)
    trajectory = s.bb_case(
        person,
        iso="IT",
        place="Casa circondariale Roma",
        since=1100,
        registration="Amersfoort",
        release={"release_certainty": ReleaseCertainty.ESTIMATE, "release_date": s.date(30)},
    )
    with s.on(14):
        trajectory_set_release(
            actor=s.coordinator,
            trajectory=trajectory,
            certainty=ReleaseCertainty.UNKNOWN,
            reason="Strafvermindering toegekend; de nieuwe einddatum is nog niet bekend. "
            "Vrijlating kan binnen weken volgen.",
        )


@story(
    "Priscilla",
    "Koster",
    "municipality of registration doubtful, release in 75 days",
    seen_by=("coordinator", "volunteer"),
)
def priscilla_koster(s: Story) -> None:
    person = s.person("Priscilla", "Koster", born=1990, contact=("Marco Koster", Relation.PARTNER))
    trajectory = s.bb_case(
        person,
        place="Centro Penitenciario Madrid",
        since=600,
        registration="Arnhem",
        certainty=RegistrationCertainty.DOUBTFUL,
        release=known_release(75, s),
        volunteer=True,
    )
    with s.on(9):
        trajectory_plan_next_step(
            actor=s.coordinator,
            trajectory=trajectory,
            next_step="Inschrijving navragen: adres uit de arrestatiemelding, brieven komen retour",
            due=s.date(7),
        )


@story(
    "Mark",
    "Jansen",
    "no referral sent two months before release",
    seen_by=("coordinator",),
)
def mark_jansen(s: Story) -> None:
    person = s.person("Mark", "Jansen", born=1984)
    trajectory = s.bb_case(
        person,
        iso="PT",
        place="Estabelecimento Prisional Porto",
        since=700,
        registration="Rheden",
        release=known_release(55, s),
    )
    s.consent(
        person,
        AFTERCARE,
        days_ago=140,
        actor=s.coordinator,
        receiver=s.arnhem,
        place="Estabelecimento Prisional Porto",
    )
    with s.on(120):
        trajectory_plan_next_step(
            actor=s.coordinator,
            trajectory=trajectory,
            next_step="Verwijzing gemeentelijke nazorg sturen (toestemming is getekend)",
            due=s.date(55 - 90),
            next_runner=s.arnhem,
        )


@story(
    "Erik",
    "van Dijk",
    "referral in the air past its answer date",
    seen_by=("coordinator", "nazorg", "volunteer"),
)
def erik_van_dijk(s: Story) -> None:
    person = s.person("Erik", "van Dijk", born=1979)
    trajectory = s.bb_case(
        person,
        place="Centro Penitenciario Valencia",
        since=800,
        registration="Arnhem",
        release=known_release(40, s),
        volunteer=True,
    )
    s.refer(trajectory, days_ago=30)


@story(
    "Bas",
    "Smit",
    "returned, no-show at after-care; outcome for BB to review",
    seen_by=("coordinator", "nazorg", "volunteer"),
)
def bas_smit(s: Story) -> None:
    person = s.person("Bas", "Smit", born=1993, contact=("Ria Smit", Relation.PARENT))
    trajectory = s.bb_case(
        person,
        place="Centro Penitenciario Palma",
        since=900,
        registration="Arnhem",
        release=known_release(-40, s),
        volunteer=True,
    )
    handover = s.refer(trajectory, days_ago=130)
    with s.on(121):
        handover_accept(actor=s.nazorg, handover=handover, note="Intake na terugkeer ingepland.")
    with s.on(40):
        trajectory_set_phase(actor=s.nazorg, trajectory=trajectory, phase=Phase.RETURN)
    with s.on(6):
        handover_record_no_show(
            actor=s.nazorg,
            handover=handover,
            reason="Niet verschenen op twee afspraken; telefoon staat uit. "
            "Graag via de vrijwilliger of de moeder opnieuw contact zoeken.",
        )


@story(
    "Wim",
    "de Boer",
    "volunteer visit overdue",
    seen_by=("coordinator", "volunteer"),
)
def wim_de_boer(s: Story) -> None:
    person = s.person("Wim", "de Boer", born=1966)
    trajectory = s.bb_case(
        person,
        place="Centro Penitenciario Palma",
        since=500,
        registration="Zwolle",
        release=known_release(380, s),
        volunteer=True,
    )
    with s.on(110):
        trajectory_plan_next_step(
            actor=s.coordinator,
            trajectory=trajectory,
            next_step="Bezoek door de vrijwilliger (norm: elke 6–8 weken) en bezoekverslag",
            due=s.date(-50),
        )


@story(
    "Henk",
    "Visser",
    "cannot read or write, no volunteer, no contact person",
    seen_by=("coordinator",),
)
def henk_visser(s: Story) -> None:
    person = s.person(
        "Henk",
        "Visser",
        born=1972,
        contact=None,
        literacy=Literacy.NO,
        cannot_read_write=True,
        intellectual_disability=True,
        preferred_channel=Channel.LETTER,
    )
    s.bb_case(
        person,
        iso="IT",
        place="Casa circondariale Napoli",
        since=400,
        registration="Den Haag",
        release={
            "release_certainty": ReleaseCertainty.WINDOW,
            "release_earliest": s.date(60),
            "release_latest": s.date(150),
        },
    )


@story(
    "Saskia",
    "Meijer",
    "no contact person; two minor children left behind",
    seen_by=("coordinator",),
)
def saskia_meijer(s: Story) -> None:
    person = s.person("Saskia", "Meijer", born=1987, contact=None, children=("Noa", "Finn"))
    s.bb_case(
        person,
        iso="PT",
        place="Estabelecimento Prisional Lisboa",
        since=300,
        registration="Nijmegen",
        release={"release_certainty": ReleaseCertainty.ESTIMATE, "release_date": s.date(200)},
    )


@story(
    "Peter",
    "de Graaf",
    "returned and taken up, ID still missing",
    seen_by=("nazorg",),  # BB handed on 131 days ago: past the earlier-holder window (90)
)
def peter_de_graaf(s: Story) -> None:
    person = s.person("Peter", "de Graaf", born=1981)
    trajectory = s.bb_case(
        person,
        place="Centro Penitenciario Málaga",
        since=700,
        registration="Arnhem",
        release=known_release(-50, s),
    )
    handover = s.refer(trajectory, days_ago=140)
    with s.on(131):
        handover_accept(actor=s.nazorg, handover=handover)
    with s.on(50):
        trajectory_set_phase(actor=s.nazorg, trajectory=trajectory, phase=Phase.RETURN)
    with s.on(46):
        handover_record_taken_up(actor=s.nazorg, handover=handover, note="Op spreekuur geweest.")
    with s.on(44):
        handover_acknowledge_outcome(actor=s.coordinator, handover=handover)
    with s.on(40):
        trajectory_set_phase(actor=s.nazorg, trajectory=trajectory, phase=Phase.REINTEGRATION)
        trajectory_plan_next_step(
            actor=s.nazorg,
            trajectory=trajectory,
            next_step="ID aanvragen: paspoort in Spanje ingehouden; uitkering en "
            "zorgverzekering wachten hierop",
            due=s.date(-20),
        )


@story(
    "Jeroen",
    "Bos",
    "domestic screening overdue (norm 2 weeks)",
    seen_by=("casemanager",),
)
def jeroen_bos(s: Story) -> None:
    person = s.person("Jeroen", "Bos", born=1999, addiction=True)
    with s.on(19):
        trajectory = trajectory_open(
            actor=s.casemanager,
            person=person,
            route=Route.DOMESTIC,
            detention_place="PI Vught",
            detention_start=s.date(-19),
            registration_municipality=s.municipality("Tilburg"),
            registration_certainty=RegistrationCertainty.CONFIRMED,
            release_certainty=ReleaseCertainty.UNKNOWN,
        )
        trajectory_plan_next_step(
            actor=s.casemanager,
            trajectory=trajectory,
            next_step="Screening vijf leefgebieden (norm: binnen 2 weken na binnenkomst)",
            due=s.date(-5),
        )


@story(
    "Tom",
    "Kramer",
    "referral declined: wrong municipality; outcome to review",
    seen_by=("coordinator",),
)
def tom_kramer(s: Story) -> None:
    person = s.person("Tom", "Kramer", born=1986)
    trajectory = s.bb_case(
        person,
        place="Centro Penitenciario Algeciras",
        since=650,
        registration="Arnhem",
        certainty=RegistrationCertainty.DOUBTFUL,
        release=known_release(65, s),
    )
    handover = s.refer(trajectory, days_ago=20)
    with s.on(12):
        handover_decline(
            actor=s.nazorg,
            handover=handover,
            reason="Volgens de BRP sinds 2023 ingeschreven in Ede; stuur de verwijzing daarheen.",
        )


@story(
    "Frank",
    "Peters",
    "after-care hands on to the buddy programme",
    seen_by=("nazorg", "buddy"),
)
def frank_peters(s: Story) -> None:
    person = s.person("Frank", "Peters", born=1977, psychiatric_problems=True)
    arnhem_prison = s.d.prisons["pi-arnhem"]
    staff = s.actor(arnhem_prison, Role.CASE_MANAGER)
    with s.on(300):
        trajectory = trajectory_open(
            actor=staff,
            person=person,
            route=Route.DOMESTIC,
            detention_place="PI Arnhem (Berg)",
            detention_start=s.date(-300),
            registration_municipality=s.municipality("Duiven"),
            registration_certainty=RegistrationCertainty.CONFIRMED,
            **known_release(-30, s),
        )
    handover = s.refer(trajectory, days_ago=60, sender=staff)
    with s.on(55):
        handover_accept(actor=s.nazorg, handover=handover)
    with s.on(30):
        trajectory_set_phase(actor=s.nazorg, trajectory=trajectory, phase=Phase.RETURN)
    with s.on(28):
        handover_record_taken_up(actor=s.nazorg, handover=handover)
    with s.on(27):
        handover_acknowledge_outcome(actor=staff, handover=handover)
    with s.on(20):
        trajectory_set_phase(actor=s.nazorg, trajectory=trajectory, phase=Phase.REINTEGRATION)
    buddy = s.d.others["brug-binnen-buiten"]
    s.consent(person, BUDDY, days_ago=6, actor=s.nazorg, receiver=buddy, place=s.arnhem.name)
    with s.on(3):
        handover_send(
            actor=s.nazorg,
            trajectory=trajectory,
            receiver=buddy,
            purpose=Purpose.BUDDY,
            message="Aanmelding buddy: betrokkene wil graag iemand naast zich bij afspraken.",
            information="Woont bij zijn zus in Duiven; schulden in kaart bij de Kredietbank.",
            data_classes=["identity", "conditions"],
        )


@story(
    "Kevin",
    "Dekker",
    "volunteer requested, none available in the region",
    seen_by=("coordinator",),
)
def kevin_dekker(s: Story) -> None:
    person = s.person("Kevin", "Dekker", born=1995)
    trajectory = s.bb_case(
        person,
        iso="PT",
        place="Estabelecimento Prisional Faro",
        since=250,
        registration="Almere",
        release=known_release(500, s),
    )
    with s.on(15):
        trajectory_plan_next_step(
            actor=s.coordinator,
            trajectory=trajectory,
            next_step="Vrijwilliger gevraagd, maar in de Algarve is niemand beschikbaar: "
            "Stichting Epafras vragen",
            due=s.date(10),
        )


@story(
    "Linda",
    "Vos",
    "'Return' booklet not sent six months before release",
    seen_by=("coordinator", "volunteer"),
)
def linda_vos(s: Story) -> None:
    person = s.person("Linda", "Vos", born=1983, contact=("Gerard Vos", Relation.PARENT))
    trajectory = s.bb_case(
        person,
        place="Centro Penitenciario Madrid",
        since=1000,
        registration="Utrecht",
        release=known_release(150, s),
        volunteer=True,
    )
    with s.on(60):
        trajectory_plan_next_step(
            actor=s.coordinator,
            trajectory=trajectory,
            next_step="Boekje 'Terugkeer' sturen (norm: 6 maanden vóór vrijlating)",
            due=s.date(150 - 182),
        )


@story(
    "Ricardo",
    "Brouwer",
    "no money or valid travel document to come home",
    seen_by=("coordinator",),
)
def ricardo_brouwer(s: Story) -> None:
    person = s.person("Ricardo", "Brouwer", born=1990)
    trajectory = s.bb_case(
        person,
        place="Centro Penitenciario Valencia",
        since=400,
        registration="Amsterdam",
        release=known_release(12, s),
    )
    with s.on(5):
        trajectory_plan_next_step(
            actor=s.coordinator,
            trajectory=trajectory,
            next_step="Paspoort verlopen en geen geld voor een ticket: noodreisdocument via de "
            "ambassade, reis via Schiphol Social Work",
            due=s.date(5),
        )


@story(
    "Hakan",
    "Kaya",
    "returned on own strength, found by the municipality",
    seen_by=("nazorg",),
)
def hakan_kaya(s: Story) -> None:
    person = s.person("Hakan", "Kaya", born=1980, language="tr")
    with s.on(12):
        trajectory_open(
            actor=s.nazorg,
            person=person,
            route=Route.ABROAD_OWN,
            phase=Phase.REINTEGRATION,
            country=s.d.countries["TR"],
            detention_place="Cezaevi Antalya",
            detention_start=s.date(-900),
            registration_municipality=s.municipality("Arnhem"),
            registration_certainty=RegistrationCertainty.CONFIRMED,
            **known_release(-70, s),
        )
    # At the desk he agrees to after-care, so the desk may see more than who he is.
    s.consent(
        person, AFTERCARE, days_ago=12, actor=s.nazorg, receiver=s.arnhem, place=s.arnhem.name
    )


@story(
    "Anton",
    "Schouten",
    "after-care consent withdrawn after the referral was accepted",
    seen_by=("nazorg",),
)
def anton_schouten(s: Story) -> None:
    person = s.person("Anton", "Schouten", born=1982, contact=("Kees Schouten", Relation.SIBLING))
    trajectory = s.bb_case(
        person,
        place="Centro Penitenciario Madrid",
        since=640,
        registration="Zevenaar",
        release=known_release(-35, s),
        volunteer=True,
    )
    handover = s.refer(trajectory, days_ago=110)
    with s.on(101):
        handover_accept(actor=s.nazorg, handover=handover)
    with s.on(35):
        trajectory_set_phase(actor=s.nazorg, trajectory=trajectory, phase=Phase.RETURN)
    with s.on(31):
        handover_record_taken_up(
            actor=s.nazorg, handover=handover, note="Op spreekuur geweest; ID aangevraagd."
        )
    with s.on(30):
        handover_acknowledge_outcome(actor=s.coordinator, handover=handover)
    with s.on(28):
        trajectory_set_phase(actor=s.nazorg, trajectory=trajectory, phase=Phase.REINTEGRATION)
    consent = Consent.objects.get(person=person, purpose__code=AFTERCARE)
    with s.on(6):
        consent_revoke(
            actor=s.nazorg,
            consent=consent,
            reason="Wil geen hulp meer van de gemeente; gaat bij zijn broer wonen en "
            "regelt het zelf.",
            evidence_kind=EvidenceKind.VERBAL,
            heard_by=s.nazorg.user.get_full_name(),
            heard_on=clock.today(),
            heard_where="Spreekuur nazorg, stadskantoor",
        )
    with s.on(5):
        trajectory_plan_next_step(
            actor=s.nazorg,
            trajectory=trajectory,
            next_step="Toestemming voor nazorg ingetrokken: met betrokkene afspreken of het "
            "traject wordt afgesloten",
            due=s.date(9),
        )


@story(
    "Gerrit",
    "Dijkman",
    "consent for the landing place ended; the landing place was told",
    seen_by=("nazorg",),
)
def gerrit_dijkman(s: Story) -> None:
    person = s.person(
        "Gerrit", "Dijkman", born=1971, addiction=True, contact=("Els Dijkman", Relation.SIBLING)
    )
    prison = s.d.prisons["pi-arnhem"]
    staff = s.actor(prison, Role.CASE_MANAGER)
    with s.on(420):
        trajectory = trajectory_open(
            actor=staff,
            person=person,
            route=Route.DOMESTIC,
            detention_place="PI Arnhem (Berg)",
            detention_start=s.date(-420),
            registration_municipality=s.municipality("Arnhem"),
            registration_certainty=RegistrationCertainty.CONFIRMED,
            **known_release(-100, s),
        )
    referral = s.refer(
        trajectory,
        days_ago=130,
        sender=staff,
        message="Infoblad via het justitieportaal: ontslag over ruim vier weken. "
        "Geen woning; wil na ontslag verder met zijn behandeling.",
    )
    with s.on(124):
        handover_accept(actor=s.nazorg, handover=referral)
    with s.on(100):
        trajectory_set_phase(actor=s.nazorg, trajectory=trajectory, phase=Phase.RETURN)
    with s.on(98):
        handover_record_taken_up(actor=s.nazorg, handover=referral)
    with s.on(97):
        handover_acknowledge_outcome(actor=staff, handover=referral)
    with s.on(96):
        trajectory_set_phase(actor=s.nazorg, trajectory=trajectory, phase=Phase.REINTEGRATION)
    instap = s.d.others["de-instap"]
    # Signed for the first period only: De Instap offers at most three periods of three months.
    s.consent(
        person,
        PARTNER,
        days_ago=93,
        actor=s.nazorg,
        receiver=instap,
        place=s.arnhem.name,
        ends_on=s.date(-13),
    )
    with s.on(92):
        handover = handover_send(
            actor=s.nazorg,
            trajectory=trajectory,
            receiver=instap,
            purpose=Purpose.LANDING_PLACE,
            message="Vraag om een plek: geen onderdak na ontslag; uitkering is aangevraagd.",
            information="Toestemming voor het delen met De Instap geldt voor de eerste periode.",
            data_classes=["identity", "conditions"],
        )
    worker = s.actor(instap, Role.LANDING_PLACE_WORKER)
    with s.on(90):
        handover_accept(actor=worker, handover=handover)
        # The municipality keeps the lead (regie) while the landing place holds the baton.
        participant_add(
            actor=worker, trajectory=trajectory, organisation=s.arnhem, role=ParticipantRole.OTHER
        )
    with s.on(89):
        handover_record_taken_up(actor=worker, handover=handover, note="Eerste periode begonnen.")
    with s.on(88):
        handover_acknowledge_outcome(actor=s.nazorg, handover=handover)
    with s.on(12):
        consent_expire_sweep()  # the nightly sweep tells De Instap the consent ended
    with s.on(10):
        trajectory_plan_next_step(
            actor=worker,
            trajectory=trajectory,
            next_step="Nieuwe toestemming vragen voor de tweede periode van drie maanden",
            due=s.date(4),
        )


@story(
    "Stefan",
    "Kok",
    "no after-care consent as release approaches: the referral cannot be sent",
    seen_by=("coordinator", "volunteer"),
)
def stefan_kok(s: Story) -> None:
    person = s.person("Stefan", "Kok", born=1992, contact=("Lotte Kok", Relation.PARTNER))
    trajectory = s.bb_case(
        person,
        place="Centro Penitenciario Valencia",
        since=560,
        registration="Renkum",
        release=known_release(60, s),
        volunteer=True,
    )
    with s.on(10):
        trajectory_plan_next_step(
            actor=s.coordinator,
            trajectory=trajectory,
            next_step="Toestemming voor nazorg vragen bij het volgende bezoek: zonder die "
            "toestemming kan de verwijzing niet worden verstuurd",
            due=s.date(4),
            next_runner=s.arnhem,
        )


EXAMPLES: tuple[Example, ...] = tuple(example for example, _ in STORIES)
"""Every named example (see EXAMPLES.md); the bulk never reuses their names."""


def examples_create(
    directory: Directory, accounts: Accounts, rng: random.Random, today: dt.date
) -> list[str]:
    """Build every named example through the services; returns their full names.

    Contract: each story only uses services, as the workers of the
    organisations involved, on the day each step happened; the clock is
    restored afterwards.
    """
    state = Story(directory, accounts, rng, today)
    for _, build_story in STORIES:
        build_story(state)
    return [example.full_name for example in EXAMPLES]
