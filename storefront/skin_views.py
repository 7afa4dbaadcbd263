"""The skin analysis: a questionnaire one step at a time (HTMX swaps the step; without
JavaScript each step is a plain form POST), then the skin type, concerns and a routine.

The answers so far travel as hidden fields, so no step depends on server state. A signed-in
shopper's result is saved to their profile; a guest's answers are kept in the session.
"""

from __future__ import annotations

from flask import make_response, redirect, request, session, url_for
from flask_login import current_user

from shop.i18n import localized
from shop.skin import services as skin
from shop.skin.questionnaire import QUESTIONS, STEPS, answer_errors, options, validate_answers
from shop.skin.routine import conflict_summary
from storefront import bp
from storefront.skin_forms import SkinStepForm
from web.auth import render_private
from web.htmx import is_htmx_fragment_request, render

QUIZ = "storefront/skin/quiz.html"
SESSION_KEY = "skin_answers"


def _answers_from_form() -> dict:
    answers: dict[str, str | list[str] | None] = {}
    for q in QUESTIONS:
        if q.multiple:
            answers[q.code] = [v for v in request.form.getlist(q.code) if v]
        else:
            answers[q.code] = request.form.get(q.code) or None
    return answers


def _quiz(step: int, answers: dict, form: SkinStepForm, error=None, status: int = 200):
    question = QUESTIONS[step - 1]
    response = render(
        QUIZ,
        "quiz",
        form=form,
        step=step,
        steps=STEPS,
        question=question,
        choices=options(question),
        answers=answers,
        previous=[q for q in QUESTIONS if q.code != question.code],
        error=error,
    )
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/skin-analysis")
def skin_analysis():
    return _quiz(1, {}, SkinStepForm(formdata=None, step=1))


@bp.post("/skin-analysis")
def skin_analysis_step():
    form = SkinStepForm()
    answers = _answers_from_form()
    if not form.validate():
        return _quiz(1, answers, form, error=next(iter(form.errors.values()))[0] if form.errors else None, status=422)
    step = form.step.data
    # An earlier answer that is missing or wrong (a tampered form) sends the shopper back there.
    for earlier in range(1, step):
        message = answer_errors(QUESTIONS[earlier - 1], answers.get(QUESTIONS[earlier - 1].code))
        if message is not None:
            return _quiz(earlier, answers, SkinStepForm(formdata=None, step=earlier), error=message, status=422)
    if form.direction.data == "back":
        target = max(1, step - 1)
        return _quiz(target, answers, SkinStepForm(formdata=None, step=target))
    message = answer_errors(QUESTIONS[step - 1], answers.get(QUESTIONS[step - 1].code))
    if message is not None:
        return _quiz(step, answers, SkinStepForm(formdata=None, step=step), error=message, status=422)
    if step < STEPS:
        return _quiz(step + 1, answers, SkinStepForm(formdata=None, step=step + 1))
    if validate_answers(answers):
        return _quiz(1, answers, SkinStepForm(formdata=None, step=1), status=422)
    user_id = current_user.id if current_user.is_authenticated else None
    skin.analyze(answers, user_id=user_id)
    session[SESSION_KEY] = answers
    target = url_for("storefront.skin_analysis_result")
    if is_htmx_fragment_request():
        response = make_response("", 200)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target, 303)


@bp.get("/skin-analysis/result")
def skin_analysis_result():
    analysis = None
    if current_user.is_authenticated:
        analysis = skin.latest_analysis(current_user.id)
    if analysis is None and session.get(SESSION_KEY):
        answers = session[SESSION_KEY]
        if not validate_answers(answers):
            analysis = skin.analyze(answers)
    if analysis is None:
        return redirect(url_for("storefront.skin_analysis"))
    warnings = conflict_summary(analysis.routine.conflicts, lambda p: localized(p, "name"))
    return render_private("storefront/skin/result.html", analysis=analysis, warnings=warnings)
