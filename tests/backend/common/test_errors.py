import pytest


@pytest.mark.django_db
def test_unknown_api_path_is_a_json_404(client):
    # when
    response = client.get("/api/v1/no-such-thing/")

    # then
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "detail": "No such resource."}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/sync/v1/nope",
        "/api/sync/v1/pull/",  # a slash too many: no page, no redirect
        "/ws/sync/v1/",  # the WebSocket endpoint, asked over plain HTTP
    ],
)
@pytest.mark.parametrize("debug", [False, True])
def test_a_program_gets_json_for_a_path_that_is_not_there(client, settings, path, debug):
    # given: the embedded demo runs with DEBUG, whose 404 page lists the whole URLconf
    settings.DEBUG = debug

    # when
    response = client.get(path)

    # then
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "detail": "No such resource."}


@pytest.mark.django_db
def test_unknown_page_outside_the_api_is_html(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_health_reports_server_time(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["ok"] is True
    assert isinstance(response.json()["server_time"], int)
