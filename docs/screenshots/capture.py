"""Capture the screenshots in this folder: catalogue, lesson, quiz result and certificate, in English and Arabic.

Run from a checkout, with its own virtual environment (it uses the test suite's helpers to seed a learner who
completed a course):

    .venv/bin/python docs/screenshots/capture.py docs/screenshots after

It starts the site on a fresh SQLite database in a temporary folder, on 127.0.0.1 only.
"""

from __future__ import annotations

import socket
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path.cwd()
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from learn_habitat import create_app  # noqa: E402
from learn_habitat.course_library import current_library  # noqa: E402
from learn_habitat.extensions import db  # noqa: E402
from tests.browser.test_accessibility import complete_course  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, PASSWORD, SHIPPED_COURSES, make_user  # noqa: E402

COURSE = "adequate-housing"
DESKTOP = {"width": 1100, "height": 900}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main(out_dir: str, label: str) -> None:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="learn-habitat-screens-"))
    port = free_port()
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(folder / "instance"),
            "SECRET_KEY": "screenshots",
            "COURSES_DIR": str(SHIPPED_COURSES),
            "DATABASE_URL": f"sqlite:///{folder / 'site.sqlite3'}",
            "PUBLIC_URL": f"http://127.0.0.1:{port}",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        db.create_all()
    with app.app_context():
        course = current_library().get(COURSE)
    for language in ("en", "ar"):
        make_user(app, f"{language}@example.org", "Amina Diallo", language=language)
        complete_course(app, f"{language}@example.org", course)
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    pages = {
        "catalogue": "/",
        "lesson": f"/courses/{COURSE}/{course.lesson_ids[1]}",
        "quiz-result": f"/courses/{COURSE}/{course.quiz_ids()[0]}/attempts/1",
        "certificate": f"/courses/{COURSE}/certificate",
    }
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for language in ("en", "ar"):
            context = browser.new_context(viewport=DESKTOP, locale=language)
            tab = context.new_page()
            tab.goto(base + "/login")
            tab.fill("input[name=email]", f"{language}@example.org")
            tab.fill("input[name=password]", PASSWORD)
            tab.press("input[name=password]", "Enter")
            tab.wait_for_load_state()
            for name, path in pages.items():
                tab.goto(base + path)
                tab.screenshot(path=str(out / f"{label}-{name}-{language}.png"), full_page=False)
            context.close()
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
