"""When the database cannot be reached, pages answer 503 with a friendly page and the API answers JSON."""

from __future__ import annotations

from learn_habitat import create_app


def unreachable_app(app_config, tmp_path):
    app_config["DATABASE_URL"] = f"sqlite:///{tmp_path / 'no-such-folder' / 'db.sqlite3'}"
    return create_app(app_config)


def test_pages_answer_503_with_a_friendly_page(app_config, tmp_path):
    app = unreachable_app(app_config, tmp_path)
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "some-session-token"
    response = client.get("/dashboard")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    page = response.get_data(as_text=True)
    assert "Back in a moment" in page
    assert "/static/css/site.css" in page


def test_api_answers_503_as_json(app_config, tmp_path):
    app = unreachable_app(app_config, tmp_path)
    response = app.test_client().get("/api/v1/me/enrolments", headers={"Authorization": "Bearer lh_whatever"})
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "service_unavailable"


def test_pages_that_need_no_database_still_work(app_config, tmp_path):
    app = unreachable_app(app_config, tmp_path)
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/courses/adequate-housing/").status_code == 200
