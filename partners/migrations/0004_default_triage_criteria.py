"""The council's twinning criteria to start with; the Administrator may change them."""

from django.db import migrations

CRITERIA = [
    (
        "Economic similarity",
        "How far do its economy and sectors match ours (aerospace, rail, automotive)?",
        3,
    ),
    ("Existing business links", "Do companies here already work with companies there?", 3),
    (
        "Strategic fit",
        "Does the link serve the council's priorities and the city's international strategy?",
        2,
    ),
    ("Cost to the council", "How little would the link cost the council? (5 = little or nothing)", 2),
    ("External funding", "How far would others (FCO, partners, companies) pay for the link's activity?", 1),
]


def add_criteria(apps, schema_editor):
    criterion = apps.get_model("partners", "TriageCriterion")
    for position, (name, question, weight) in enumerate(CRITERIA, start=1):
        criterion.objects.get_or_create(
            name=name, defaults={"question": question, "weight": weight, "position": position}
        )


def remove_criteria(apps, schema_editor):
    criterion = apps.get_model("partners", "TriageCriterion")
    criterion.objects.filter(name__in=[name for name, _, _ in CRITERIA], scores__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("partners", "0003_triage_and_sector_profiles")]

    operations = [migrations.RunPython(add_criteria, remove_criteria)]
