"""Linking a partner platform's account to a local one, and unlinking it.

A launch signs in only the account bound to (issuer, subject); at first that is an account of its own, made
by the launch. The person may move that binding to their local account by proving they own it: the view
checks its email and password through the sign-in service, under the sign-in rate limits. The email claim
never counts. Then the binding moves, everything the launch-made account did is merged into the local one
(nothing lost, nothing twice, the best results kept) and the launch-made account is removed. Accounts with
more than a learner's rights are never linked: a partner platform is untrusted and must not sign them in.

Services take explicit arguments and never read the request; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select, update

from learn_habitat.accounts.models import AccessToken, Role, User
from learn_habitat.extensions import db
from learn_habitat.learning import services as learning
from learn_habitat.learning.models import (
    Completion,
    CourseAuthor,
    Enrolment,
    LessonProgress,
    QuizAttempt,
)
from learn_habitat.lti import outbox
from learn_habitat.lti.models import LtiGradeLink, LtiIdentity, LtiPlatform, LtiResourceLink, LtiScore
from learn_habitat.lti.services import LtiError, is_lti_account
from learn_habitat.text import N_
from learn_habitat.tools.models import SavedChecklist


@dataclass
class LinkSummary:
    """What a link moved, for the audit log and the person."""

    identities: list[tuple[str, str]] = field(default_factory=list)
    removed_account: int | None = None
    enrolments: int = 0
    lessons: int = 0
    attempts: int = 0
    certificates: int = 0
    checklists: int = 0
    scores: int = 0
    # Certificates of the launch-made account for courses the local account had completed already: one
    # completion per course is kept (the local account's), the other's code stops verifying.
    certificates_replaced: list[str] = field(default_factory=list)
    courses: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class LinkedIdentity:
    """A platform account bound to a local account, as its owner sees it."""

    id: int
    platform: str
    issuer: str
    subject: str
    claimed_email: str | None
    created_at: datetime


def can_be_linked(user: User) -> bool:
    """Only a learner's local account: a partner platform never signs in an author or an admin."""
    return user.role == Role.LEARNER and user.deleted_at is None and not is_lti_account(user)


def link_account(lti_user: User, local: User, library) -> LinkSummary:
    """Bind every platform account of ``lti_user`` (an account made by a launch) to ``local``, whose owner
    proved it by its password, merge what ``lti_user`` did into ``local`` and remove ``lti_user``.

    :class:`LtiError` if ``local`` may not be linked (an author or admin), if ``lti_user`` is not an
    account made by a launch, or if its binding moved meanwhile (a second submission, another tab).
    """
    if local.id == lti_user.id or not is_lti_account(lti_user) or is_lti_account(local):
        raise LtiError("not_linkable", N_("Only an account made by a launch can be linked to your account."))
    if not can_be_linked(local):
        raise LtiError(
            "privileged_account",
            N_(
                "Accounts of authors and admins cannot be linked to a partner platform: a platform may "
                "only sign in learners. Sign in on this site directly."
            ),
        )
    summary = LinkSummary(removed_account=lti_user.id)
    identities = db.session.execute(
        select(LtiIdentity.id, LtiIdentity.issuer, LtiIdentity.subject).where(
            LtiIdentity.user_id == lti_user.id
        )
    ).all()
    # The binding moves first, by a conditional UPDATE: of two concurrent submissions only one finds the
    # binding still on the launch-made account (the other waits for its row lock, then finds none).
    moved = db.session.execute(
        update(LtiIdentity)
        .where(LtiIdentity.user_id == lti_user.id, LtiIdentity.id.in_([row.id for row in identities]))
        .values(user_id=local.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not identities or moved != len(identities):
        raise LtiError("already_linked", N_("This platform account is already linked to an account here."))
    summary.identities = [(row.issuer, row.subject) for row in identities]
    db.session.flush()
    source, target = lti_user.id, local.id
    _merge_enrolments(source, target, summary)
    _merge_progress(source, target, summary)
    _merge_attempts(source, target, summary)
    _merge_completions(source, target, summary)
    _merge_checklists(source, target, summary)
    _merge_grade_links(source, target)
    summary.scores = db.session.execute(
        update(LtiScore)
        .where(LtiScore.user_id == source)
        .values(user_id=target)
        .execution_options(synchronize_session=False)
    ).rowcount
    # Not merged: sessions end and API tokens go with the account (a token made in a session a platform
    # started must not reach the local account), and course-author rows mean nothing to a learner.
    db.session.execute(delete(AccessToken).where(AccessToken.user_id == source))
    db.session.execute(delete(CourseAuthor).where(CourseAuthor.user_id == source))
    db.session.expire(lti_user)
    db.session.delete(lti_user)
    db.session.flush()
    # Progress from both sides may now meet a course's rule; and the platforms hear the merged score.
    for course_id in sorted(summary.courses):
        course = library.get(course_id)
        if course is not None:
            learning.check_course_completion(local, course)
            outbox.queue_scores(local, course)
    return summary


def _rows(model, *user_ids):
    return db.session.scalars(select(model).where(model.user_id.in_(user_ids)).order_by(model.id)).all()


def _split(rows, source: int, key):
    """The source's rows, and the target's by ``key``."""
    mine = [row for row in rows if row.user_id == source]
    theirs = {key(row): row for row in rows if row.user_id != source}
    return mine, theirs


def _earliest(*moments):
    present = [moment for moment in moments if moment is not None]
    return min(present) if present else None


def _merge_enrolments(source: int, target: int, summary: LinkSummary) -> None:
    mine, theirs = _split(_rows(Enrolment, source, target), source, lambda row: row.course_id)
    for row in mine:
        summary.courses.add(row.course_id)
        kept = theirs.get(row.course_id)
        if kept is None:
            row.user_id = target
            summary.enrolments += 1
            continue
        kept.enrolled_at = _earliest(kept.enrolled_at, row.enrolled_at)
        if row.last_activity_at > kept.last_activity_at:
            kept.last_activity_at = row.last_activity_at
            kept.last_lesson_id = row.last_lesson_id or kept.last_lesson_id
        db.session.delete(row)
    db.session.flush()


def _merge_progress(source: int, target: int, summary: LinkSummary) -> None:
    mine, theirs = _split(
        _rows(LessonProgress, source, target), source, lambda row: (row.course_id, row.lesson_id)
    )
    for row in mine:
        summary.courses.add(row.course_id)
        kept = theirs.get((row.course_id, row.lesson_id))
        if kept is None:
            row.user_id = target
            summary.lessons += 1
            continue
        kept.viewed_at = _earliest(kept.viewed_at, row.viewed_at)
        # Only the first completion counts (as when one account completes a lesson twice).
        kept.completed_at = _earliest(kept.completed_at, row.completed_at)
        db.session.delete(row)
    db.session.flush()


def _merge_attempts(source: int, target: int, summary: LinkSummary) -> None:
    """Every attempt of both accounts is kept (so is the best score), numbered again in the order they were
    made; a submission id both used is replaced on the moved attempt."""
    rows = _rows(QuizAttempt, source, target)
    quizzes = {(row.course_id, row.lesson_id) for row in rows if row.user_id == source}
    if not quizzes:
        return
    taken = {row.submission_id for row in rows if row.user_id == target}
    numbering = {}
    for quiz in quizzes:
        attempts = sorted(
            (row for row in rows if (row.course_id, row.lesson_id) == quiz),
            key=lambda row: (row.created_at, row.user_id != target, row.number, row.id),
        )
        numbering.update({row.id: number for number, row in enumerate(attempts, start=1)})
    # Two steps, so no statement meets the unique (user, course, lesson, number) of a row not yet
    # renumbered: first to negative numbers (which no attempt has), then to the final ones.
    for row in rows:
        if row.id not in numbering:
            continue
        values = {"user_id": target, "number": -numbering[row.id]}
        if row.user_id == source:
            summary.attempts += 1
            summary.courses.add(row.course_id)
            if row.submission_id in taken:
                values["submission_id"] = learning.new_submission_id()
        db.session.execute(
            update(QuizAttempt)
            .where(QuizAttempt.id == row.id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    db.session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.user_id == target, QuizAttempt.number < 0)
        .values(number=-QuizAttempt.number)
        .execution_options(synchronize_session=False)
    )
    for row in rows:
        db.session.expire(row)


def _merge_completions(source: int, target: int, summary: LinkSummary) -> None:
    mine, theirs = _split(_rows(Completion, source, target), source, lambda row: row.course_id)
    for row in mine:
        summary.courses.add(row.course_id)
        if row.course_id in theirs:
            summary.certificates_replaced.append(row.certificate_code)
            db.session.delete(row)
        else:
            row.user_id = target
            summary.certificates += 1
    db.session.flush()


def _merge_checklists(source: int, target: int, summary: LinkSummary) -> None:
    mine, theirs = _split(
        _rows(SavedChecklist, source, target), source, lambda row: (row.course_id, row.lesson_id)
    )
    for row in mine:
        kept = theirs.get((row.course_id, row.lesson_id))
        if kept is None:
            row.user_id = target
            summary.checklists += 1
        elif row.saved_at > kept.saved_at:
            # One copy per checklist: the one saved last is the learner's latest answer.
            kept.language, kept.answers, kept.saved_at = row.language, row.answers, row.saved_at
            db.session.delete(row)
            summary.checklists += 1
        else:
            db.session.delete(row)
    db.session.flush()


def _merge_grade_links(source: int, target: int) -> None:
    mine, theirs = _split(_rows(LtiGradeLink, source, target), source, lambda row: row.resource_link_id)
    for row in mine:
        if row.resource_link_id in theirs:
            db.session.delete(row)
        else:
            row.user_id = target
    db.session.flush()


# What the owner of a local account sees and undoes -------------------------------------------------


def linked_identities(user: User) -> list[LinkedIdentity]:
    """The platform accounts bound to ``user``, with the name of the platform (its issuer when it is no
    longer registered)."""
    rows = db.session.scalars(
        select(LtiIdentity).where(LtiIdentity.user_id == user.id).order_by(LtiIdentity.id)
    ).all()
    if not rows:
        return []
    names = dict(
        db.session.execute(
            select(LtiPlatform.issuer, LtiPlatform.name)
            .where(LtiPlatform.issuer.in_({row.issuer for row in rows}))
            .order_by(LtiPlatform.id.desc())
        ).all()
    )
    return [
        LinkedIdentity(
            row.id,
            names.get(row.issuer, row.issuer),
            row.issuer,
            row.subject,
            row.claimed_email,
            row.created_at,
        )
        for row in rows
    ]


def unlink_identity(user: User, identity_id: int) -> tuple[str, str]:
    """Unbind one platform account from ``user``: its next launch makes an account of its own again, and
    no more scores of ``user`` go to that platform account. What ``user`` learned stays. Returns the
    (issuer, subject) unbound. :class:`LtiError` if ``user`` has no such binding, or if ``user`` is an
    account made by a launch (it could never sign in again)."""
    identity = db.session.scalar(
        select(LtiIdentity).where(LtiIdentity.id == identity_id, LtiIdentity.user_id == user.id)
    )
    if identity is None:
        raise LtiError("unknown_identity", N_("This platform account is not linked to yours."))
    if is_lti_account(user):
        raise LtiError(
            "launch_account",
            N_("An account made by a launch cannot be unlinked from its platform: it has no other way in."),
        )
    links = select(LtiResourceLink.id).join(LtiPlatform, LtiPlatform.id == LtiResourceLink.platform_id)
    db.session.execute(
        delete(LtiGradeLink)
        .where(
            LtiGradeLink.user_id == user.id,
            LtiGradeLink.subject == identity.subject,
            LtiGradeLink.resource_link_id.in_(links.where(LtiPlatform.issuer == identity.issuer)),
        )
        .execution_options(synchronize_session=False)
    )
    unbound = (identity.issuer, identity.subject)
    db.session.delete(identity)
    db.session.flush()
    return unbound
