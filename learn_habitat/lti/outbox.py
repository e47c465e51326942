"""Assignment and Grade Services: scores queued in ``lti_score`` with the progress that caused them, sent
to the platform's line item after the commit, retried with backoff while the platform is down.

A score is queued in the same transaction as the attempt or completion it reports, so none is lost; the
sender runs in the background worker after that commit, and ``learn-habitat lti send-scores`` runs it too.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

import requests
from pylti1p3.exception import LtiServiceException
from pylti1p3.service_connector import ServiceConnector
from sqlalchemy import event, select

from learn_habitat.database import utcnow
from learn_habitat.extensions import db
from learn_habitat.learning import services as learning
from learn_habitat.lti.models import LtiGradeLink, LtiPlatform, LtiResourceLink, LtiScore
from learn_habitat.lti.services import SCORE_SCOPE

log = logging.getLogger(__name__)

SCORE_MAXIMUM = 100
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=6)
REQUEST_TIMEOUT = 10
_QUEUED = "lti_scores_queued"


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after ``attempts`` failures: 30 s, 1 min, 2 min ... at most 6 hours."""
    return min(FIRST_RETRY * (2 ** min(max(0, attempts - 1), 20)), LONGEST_WAIT)


def course_score(course, progress) -> float:
    """The learner's score in 0..1 by the course's completion rule (the certificate's rule): the average
    of the best quiz scores (a quiz not taken counts 0) for ``quiz-average``, else the share of lessons done."""
    if course.completion.get("rule", "all-lessons") == "quiz-average":
        quizzes = course.quiz_ids()
        return sum(progress.best_scores.get(q, 0) for q in quizzes) / len(quizzes) if quizzes else 0.0
    return len(progress.completed_lessons) / len(course.lesson_ids) if course.lesson_ids else 0.0


def score_body(link: LtiResourceLink, subject: str, course, progress, when: datetime) -> dict:
    """The AGS score for a resource link: the course's score, or one lesson's (a quiz's best score)."""
    if link.lesson_id:
        done = link.lesson_id in progress.completed_lessons
        given = progress.best_scores.get(link.lesson_id, 1.0 if done else 0.0)
        graded = done or link.lesson_id in progress.best_scores
        started = link.lesson_id in progress.viewed
    else:
        done = progress.completed
        given = course_score(course, progress)
        graded = done
        started = bool(progress.viewed)
    return {
        "userId": subject,
        "scoreGiven": round(given * SCORE_MAXIMUM, 2),
        "scoreMaximum": SCORE_MAXIMUM,
        "activityProgress": "Completed" if done else ("InProgress" if started else "Initialized"),
        "gradingProgress": "FullyGraded" if graded else "Pending",
        "timestamp": when.isoformat(timespec="milliseconds"),
    }


def queue_scores(user, course) -> int:
    """Queue the learner's current score for every graded link they launched in this course; a score
    equal to the last one queued for that line item is not queued again. Returns how many were queued."""
    rows = db.session.execute(
        select(LtiGradeLink, LtiResourceLink)
        .join(LtiResourceLink, LtiResourceLink.id == LtiGradeLink.resource_link_id)
        .where(LtiGradeLink.user_id == user.id, LtiGradeLink.course_id == course.id)
    ).all()
    rows = [(grade, link) for grade, link in rows if link.lineitem_url and SCORE_SCOPE in link.ags_scopes]
    if not rows:
        return 0
    progress = learning.course_progress(user, course)
    now = utcnow()
    queued = 0
    for grade, link in rows:
        body = score_body(link, grade.subject, course, progress, now)
        last = db.session.scalar(
            select(LtiScore)
            .where(LtiScore.lineitem_url == link.lineitem_url, LtiScore.user_id == user.id)
            .order_by(LtiScore.id.desc())
            .limit(1)
        )
        if last is not None and _same(last.score, body):
            continue
        db.session.add(
            LtiScore(
                platform_id=link.platform_id,
                lineitem_url=link.lineitem_url,
                scopes=list(link.ags_scopes),
                user_id=user.id,
                score=body,
                score_given=body["scoreGiven"],
                next_attempt_at=now,
            )
        )
        queued += 1
    if queued:
        db.session.flush()
        db.session.info[_QUEUED] = True
    return queued


def _same(a: dict, b: dict) -> bool:
    return {k: v for k, v in a.items() if k != "timestamp"} == {
        k: v for k, v in b.items() if k != "timestamp"
    }


def _scores_url(lineitem_url: str) -> str:
    path, _, query = lineitem_url.partition("?")
    return f"{path.rstrip('/')}/scores" + (f"?{query}" if query else "")


def send_due_scores(key, now: datetime | None = None, limit: int = 200) -> tuple[int, int]:
    """Send every score whose time has come; commit after each. Returns (sent, failed).

    Only the newest pending score per learner and line item is sent: older ones are marked superseded,
    so a retry never overwrites a newer score with an older one.
    """
    from learn_habitat.lti.launch import registration_for

    now = now or utcnow()
    due = db.session.scalars(
        select(LtiScore)
        .where(LtiScore.sent_at.is_(None), LtiScore.next_attempt_at <= now)
        .order_by(LtiScore.id)
        .limit(limit)
    ).all()
    sent = failed = 0
    connectors: dict[int, ServiceConnector] = {}
    for score in due:
        newer = db.session.scalar(
            select(LtiScore.id).where(
                LtiScore.lineitem_url == score.lineitem_url,
                LtiScore.user_id == score.user_id,
                LtiScore.sent_at.is_(None),
                LtiScore.id > score.id,
            )
        )
        if newer is not None:
            score.sent_at, score.last_error = now, "superseded"
            db.session.commit()
            continue
        platform = db.session.get(LtiPlatform, score.platform_id)
        try:
            if score.platform_id not in connectors:
                session = requests.Session()
                session.request = _with_timeout(session.request)
                connectors[score.platform_id] = ServiceConnector(registration_for(platform, key), session)
            connectors[score.platform_id].make_service_request(
                score.scopes,
                _scores_url(score.lineitem_url),
                is_post=True,
                data=json.dumps(score.score),
                content_type="application/vnd.ims.lis.v1.score+json",
            )
        except (LtiServiceException, requests.RequestException, ValueError, KeyError) as error:
            score.attempts += 1
            score.next_attempt_at = now + retry_delay(score.attempts)
            score.last_error = _describe(error)[:2000]
            failed += 1
            log.warning("LTI score %s not sent (attempt %s): %s", score.id, score.attempts, score.last_error)
        else:
            score.attempts += 1
            score.sent_at = now
            score.last_error = None
            sent += 1
        db.session.commit()
    return sent, failed


def _with_timeout(request):
    def bounded(method, url, **kwargs):
        kwargs.setdefault("timeout", REQUEST_TIMEOUT)
        return request(method, url, **kwargs)

    return bounded


def _describe(error: Exception) -> str:
    response = error.args[0] if error.args and isinstance(error.args[0], requests.Response) else None
    if response is not None:
        return f"HTTP {response.status_code} from {response.url}"
    return f"{type(error).__name__}: {error}"


def pending_scores() -> list[LtiScore]:
    """Scores not yet sent, oldest first."""
    return list(db.session.scalars(select(LtiScore).where(LtiScore.sent_at.is_(None)).order_by(LtiScore.id)))


def _send_in_background() -> None:
    from flask import current_app

    from learn_habitat.lti.keys import signing_key

    try:
        send_due_scores(signing_key(current_app.instance_path))
    finally:
        db.session.remove()


def init_app(app) -> None:
    """Queue scores when learning records an attempt or a completion; send them after the commit."""
    from flask import current_app, has_app_context

    from learn_habitat.accounts.background import run_in_background

    learning.progress_recorded.connect(_on_progress, weak=False)

    @event.listens_for(db.session, "after_commit")
    def send_after_commit(session):
        if (
            session.info.pop(_QUEUED, False)
            and has_app_context()
            and current_app.config.get("LTI_SEND_SCORES", True)
        ):
            run_in_background(_send_in_background)

    @event.listens_for(db.session, "after_rollback")
    def forget_on_rollback(session):
        session.info.pop(_QUEUED, None)


def _on_progress(user, course=None, **_extra) -> None:
    queue_scores(user, course)
