from typing import Any

from django.db import migrations

# The names the seed gave from the KATO extract, and the ones it gives now
# (fixtures/abai_oblast.csv): the city administrations by KATO's abbreviation "Г.А."
# (городская администрация), which readers of the login table and the consoles read as
# "Семей Г.А.", and okrugs whose "с.о." had lost its dot. By KATO code.
DISTRICTS = {
    "101000000": ("Семей Г.А.", "город Семей"),
    "101800000": ("Курчатов Г.А.", "город Курчатов"),
}
OKRUGS = {
    "101049000": ("Жиеналинский с.о", "Жиеналинский с.о."),
    "103233000": ("Кенгирбайбийский с.о", "Кенгирбайбийский с.о."),
    "103249000": ("Токтамысский с.о", "Токтамысский с.о."),
    "103687000": ("Тарбагатайский с.о", "Тарбагатайский с.о."),
    "104445000": ("с.о.им.Койгельды Аухадиева", "с.о. им. Койгельды Аухадиева"),
    "104477000": ("Шугылбайский с.о", "Шугылбайский с.о."),
}
# The city administrations' Kazakh names, as the seed gives them
# (fixtures/abai_oblast_kk.csv), where a row has none yet.
DISTRICTS_KK = {"101000000": "Семей қаласы", "101800000": "Курчатов қаласы"}


def rename(apps: Any, names: dict[str, dict[str, tuple[str, str]]], *, back: bool) -> None:
    # Only a row that still has the name the seed gave is renamed: a name someone changed
    # since is theirs.
    for model, by_kato in names.items():
        Model = apps.get_model("geo", model)
        for kato, (old, new) in by_kato.items():
            before, after = (new, old) if back else (old, new)
            Model.objects.filter(kato=kato, name=before).update(name=after)


def readable_names(apps: Any, schema_editor: Any) -> None:
    rename(apps, {"District": DISTRICTS, "Okrug": OKRUGS}, back=False)
    District = apps.get_model("geo", "District")
    for kato, name_kk in DISTRICTS_KK.items():
        District.objects.filter(kato=kato, name_kk="").update(name_kk=name_kk)


def kato_abbreviations(apps: Any, schema_editor: Any) -> None:
    # The Kazakh names stay: the seed gives them to a database without them as well.
    rename(apps, {"District": DISTRICTS, "Okrug": OKRUGS}, back=True)


class Migration(migrations.Migration):
    dependencies = [
        ("geo", "0007_oblast_name_kk"),
    ]

    operations = [
        migrations.RunPython(readable_names, kato_abbreviations),
    ]
