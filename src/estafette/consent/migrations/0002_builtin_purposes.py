"""The nine built-in consent purposes (DOMAIN.md §6, §10), in plain language (B1).

Texts live here, not in gettext: they are data an administrator may reword in
the admin, in both languages, without a release.
"""

from django.db import migrations

PURPOSES = [
    (
        "consular",
        "Consular assistance and registration",
        "Consulaire bijstand en registratie",
        "The embassy or consulate knows that you are detained. They can visit you and help you.",
        "De ambassade of het consulaat weet dat u vastzit. Zij kunnen u bezoeken en helpen.",
    ),
    (
        "bb_guidance",
        "Guidance by Bureau Buitenland",
        "Begeleiding door Bureau Buitenland",
        "Bureau Buitenland supports you while you are detained abroad. "
        "They help you prepare for your return.",
        "Bureau Buitenland steunt u terwijl u in het buitenland vastzit. "
        "Zij helpen u uw terugkeer voor te bereiden.",
    ),
    (
        "partner_sharing",
        "Sharing information with a partner organisation",
        "Gegevens delen met een partnerorganisatie",
        "We may give your information to the organisation named here. Then they can help you.",
        "Wij mogen uw gegevens geven aan de organisatie die hier staat. "
        "Dan kunnen zij u helpen.",
    ),
    (
        "contact_person",
        "Contact with your contact person at home",
        "Contact met uw contactpersoon thuis",
        "We may tell your contact person at home how you are doing.",
        "Wij mogen uw contactpersoon thuis vertellen hoe het met u gaat.",
    ),
    (
        "volunteer_visits",
        "Visits by a volunteer",
        "Bezoek door een vrijwilliger",
        "A volunteer may visit you in prison. The volunteer tells your coordinator how it went.",
        "Een vrijwilliger mag u bezoeken in de gevangenis. "
        "De vrijwilliger vertelt uw coördinator hoe het ging.",
    ),
    (
        "aftercare_referral",
        "Referral to municipal after-care",
        "Verwijzing naar gemeentelijke nazorg",
        "We may send your information to the after-care desk of your municipality. "
        "They help you with an ID, income and a place to stay.",
        "Wij mogen uw gegevens sturen naar de nazorg van uw gemeente. "
        "Zij helpen u met een ID-bewijs, inkomen en een plek om te wonen.",
    ),
    (
        "mayor_notification",
        "Notifying the mayor (BIJ)",
        "Melding aan de burgemeester (BIJ)",
        "The mayor of the town where you will live hears about your return. "
        "You asked for this yourself.",
        "De burgemeester van de gemeente waar u gaat wonen hoort van uw terugkeer. "
        "U heeft hier zelf om gevraagd.",
    ),
    (
        "buddy_programme",
        "Buddy programme",
        "Buddyprogramma",
        "A buddy, who is a volunteer, helps you in the months after your release. "
        "A social worker supports the buddy.",
        "Een buddy, dat is een vrijwilliger, helpt u in de maanden na uw vrijlating. "
        "Een sociaal werker steunt de buddy.",
    ),
    (
        "infosheet",
        "Information sheet about the basic conditions for the municipality",
        "Infoblad over de basisvoorwaarden voor de gemeente",
        "The prison may send your municipality an information sheet. "
        "It says how things stand with your ID, housing, income, debts and care.",
        "De gevangenis mag uw gemeente een infoblad sturen. "
        "Daarin staat hoe het gaat met uw ID-bewijs, wonen, inkomen, schulden en zorg.",
    ),
]


def seed(apps, schema_editor):
    ConsentPurpose = apps.get_model("consent", "ConsentPurpose")
    for order, (code, name_en, name_nl, description_en, description_nl) in enumerate(PURPOSES):
        ConsentPurpose.objects.update_or_create(
            code=code,
            defaults={
                "name_en": name_en,
                "name_nl": name_nl,
                "description_en": description_en,
                "description_nl": description_nl,
                "is_active": True,
                "built_in": True,
                "order": (order + 1) * 10,
            },
        )


def unseed(apps, schema_editor):
    ConsentPurpose = apps.get_model("consent", "ConsentPurpose")
    ConsentPurpose.objects.filter(built_in=True, consents__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
