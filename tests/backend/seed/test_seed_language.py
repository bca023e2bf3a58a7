"""`manage.py seed` and `manage.py demo_logins` — the first lines `make run` prints — speak the
operator's language (KUZET_LANGUAGE, else the locale, else English): the whole line, not the
role names alone, with Kazakh place names for a Kazakh reader and the reader's numbers."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from backend.people.seeding import DEMO_PASSWORD


def run(*args: str) -> list[str]:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().splitlines()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("environ", "seeded", "again", "skipped"),
    [
        (
            {"KUZET_LANGUAGE": "ru"},
            "Абайская область загружена за ",
            "Абайская область уже загружена: делать нечего.",
            "Демо-сотрудники не созданы (KUZET_DEMO выключен; добавьте их с --demo).",
        ),
        (
            {"LANG": "kk_KZ.UTF-8"},
            "Абай облысы ",
            "Абай облысы бұрыннан жүктелген: істейтін ештеңе жоқ.",
            "Демо қызметкерлер құрылмады (KUZET_DEMO өшірулі; қосу үшін --demo беріңіз).",
        ),
    ],
    ids=["ru", "kk"],
)
def test_the_seed_says_what_it_loaded_in_the_operators_language(
    monkeypatch, environ, seeded, again, skipped
):
    # given
    for name, value in environ.items():
        monkeypatch.setenv(name, value)

    # when
    first = run("seed", "--demo")
    second = run("seed", "--no-demo")

    # then: every count in words of the language, the time with its decimal comma
    assert len(first) == 1
    assert first[0].startswith(seeded)
    if environ.get("KUZET_LANGUAGE") == "ru":
        assert first[0].endswith(
            ": 10 районов, 140 сельских округов, 140 населённых пунктов, 1 область, "
            "27 нарядов, 44 сотрудника."
        )
        assert " с: " in first[0]
        assert "," in first[0].split(" за ")[1].split(" с:")[0]
    else:
        assert first[0].endswith(
            ": 10 аудан, 140 ауылдық округ, 140 елді мекен, 1 облыс, 27 наряд, 44 қызметкер."
        )
        assert " с ішінде жүктелді: " in first[0]
    assert second == [again, skipped]


@pytest.mark.django_db
def test_the_seed_speaks_english_by_default():
    # when: no KUZET_LANGUAGE, LANG=C.UTF-8 (tests/conftest.py)
    lines = run("seed", "--demo")

    # then
    assert lines[0].startswith("Seeded Abai oblast in ")
    assert lines[0].endswith(
        " s: 10 districts, 140 rural okrugs, 140 settlements, 1 oblast, 27 units, 44 officers."
    )


@pytest.mark.django_db
def test_the_demo_logins_read_in_russian(monkeypatch):
    # given
    run("seed", "--demo")
    monkeypatch.setenv("LC_ALL", "ru_RU.UTF-8")

    # when
    lines = run("demo_logins", "--port", "8123")

    # then: the addresses one under another, the whole table in Russian
    assert lines[:4] == [
        "Консоль Kuzet:      http://127.0.0.1:8123/admin/",
        "Табло:              http://127.0.0.1:8123/board/   "
        "Документация API: http://127.0.0.1:8123/api/docs/",
        "Приложение нарядов: http://127.0.0.1:8123/app/   "
        "(телефоны сотрудников; docs/field-app.md)",
        f"Демо-входы (пароль у всех: {DEMO_PASSWORD}):",
    ]
    assert lines[4] == "  admin_abai    Администратор области  Абайская область (область)"
    assert lines[5] == "  duty_semey1   Дежурный (ЦОУ)         Абайская область (область)"
    assert lines[9] == "  chief_ayagoz  Начальник района       Аягозский район"
    assert lines[-1].startswith(
        "Телефон наряда: `manage.py enrolment_code <логин сотрудника>` (например, sem_pc1_1"
    )
    assert "вводят на http://127.0.0.1:8123/app/ " in lines[-1]
    assert lines[-1].endswith("Ctrl-C останавливает всё.")


@pytest.mark.django_db
def test_the_demo_logins_read_in_kazakh_with_kazakh_place_names(monkeypatch):
    # given
    run("seed", "--demo")
    monkeypatch.setenv("KUZET_LANGUAGE", "kk")
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")  # KUZET_LANGUAGE decides

    # when
    lines = run("demo_logins")

    # then
    assert lines[:4] == [
        "Kuzet консолі:   http://127.0.0.1:8000/admin/",
        "Табло:           http://127.0.0.1:8000/board/   "
        "API құжаттамасы: http://127.0.0.1:8000/api/docs/",
        "Наряд қосымшасы: http://127.0.0.1:8000/app/   "
        "(қызметкерлердің телефондары; docs/field-app.md)",
        f"Демо кірулер (барлығының құпия сөзі: {DEMO_PASSWORD}):",
    ]
    assert lines[4] == "  admin_abai    Облыс әкімшісі  Абай облысы (облыс)"
    assert lines[9] == "  chief_ayagoz  Аудан бастығы   Аягөз ауданы"
    assert lines[-1].startswith("Наряд телефоны: `manage.py enrolment_code <қызметкер логині>`")
    assert lines[-1].endswith("Ctrl-C бәрін тоқтатады.")


@pytest.mark.django_db
def test_without_demo_staff_the_demo_logins_say_so_in_the_operators_language(monkeypatch):
    # given
    run("seed", "--no-demo")
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")

    # when
    lines = run("demo_logins")

    # then
    assert lines[-1] == (
        "Демо-входов нет: база загружена без демо-сотрудников "
        "(добавьте их: `manage.py seed --demo`)."
    )
