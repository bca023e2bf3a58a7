"""/readyz's ``worker`` check when the web process and the workers use different Redis
databases (docs/deployment.md, *One Redis database per deployment*): an operator with the
workers running saw only "no Celery worker answered within 2.0 s" and nothing pointing at the
``REDIS_URL`` the web process asks."""

from __future__ import annotations

from celery import current_app

from backend.ops import views


def test_no_worker_answering_names_the_broker_asked_without_its_password(monkeypatch, settings):
    # given
    settings.REDIS_URL = "redis://:s3cret-pw@10.0.0.7:6379/15"
    settings.KUZET_READY_WORKER_TIMEOUT_S = 2.0
    monkeypatch.setattr(current_app.control, "ping", lambda **_kwargs: [])

    # when
    check = views.check_worker()

    # then
    assert check["ok"] is False
    assert check["detail"] == (
        "no Celery worker answered within 2.0 s on redis://10.0.0.7:6379/15"
        " (workers must have this REDIS_URL)"
    )
    assert "s3cret" not in check["detail"]


def test_without_redis_the_detail_stays_as_it_was(monkeypatch, settings):
    settings.REDIS_URL = ""
    settings.KUZET_READY_WORKER_TIMEOUT_S = 2.0
    monkeypatch.setattr(current_app.control, "ping", lambda **_kwargs: [])

    assert views.check_worker()["detail"] == "no Celery worker answered within 2.0 s"
