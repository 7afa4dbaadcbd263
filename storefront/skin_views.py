"""The skin analysis: a questionnaire one step at a time (HTMX swaps the step; without
JavaScript each step is a plain form POST), then the skin type, concerns and a routine.

The answers so far travel as hidden fields, so no step depends on server state. A signed-in
shopper's result is saved to their profile; a guest's answers are kept in the session.
"""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from shop.cart import services as cart
from shop.errors import ShopError
from shop.i18n import localized
from shop.skin import services as skin
from shop.skin.questionnaire import QUESTIONS, STEPS, answer_errors, options, validate_answers
from shop.skin.routine import conflict_summary
from storefront import bp
from storefront import tracking as track
from storefront.cart_views import CART_CHANGED, cart_owner, sign_in_first, toast
from storefront.shopping_forms import ActionForm
from storefront.skin_forms import SkinStepForm
from web.auth import SKIN_ANSWERS_KEY, render_private
from web.forms import error_status
from web.htmx import is_htmx_fragment_request, render
from web.responses import private

QUIZ = "storefront/skin/quiz.html"
SESSION_KEY = SKIN_ANSWERS_KEY


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
    clashing = {pid for w in warnings for pid in w["products"]}
    return render_private(
        "storefront/skin/result.html",
        analysis=analysis,
        warnings=warnings,
        clashing=clashing,
        action_form=ActionForm(formdata=None),
        saved=analysis.analysis_id is not None,
    )


def _posted_product_ids() -> list[int]:
    return [int(v) for v in request.form.getlist("product") if v.isdigit() and len(v) < 10]


@bp.post("/skin-analysis/routine/cart")
def skin_routine_to_cart():
    """ "Add the whole routine to cart": one of each product shown, in one request. Steps that
    sold out since the page was drawn are skipped and named. HTMX gets a note and a toast (the
    cart badge out of band); without JavaScript the cart page, with the same messages."""
    form = ActionForm()
    ids = _posted_product_ids()
    if not form.validate():
        return _routine_answer(_("The request could not be understood. Please check what you entered."), 400)
    try:
        outcome = cart.add_products(cart_owner(), ids)
    except ShopError as error:
        return _routine_answer(str(error.message), error_status(error))
    for product in outcome.added:
        track.cart_add(product.id, 1)
    added = ngettext("%(num)s product added to your cart.", "%(num)s products added to your cart.", len(outcome.added))
    skipped = (
        _(
            "Out of stock, not added: %(names)s.",
            names=", ".join(localized(p, "name") for p in outcome.skipped),
        )
        if outcome.skipped
        else None
    )
    if not outcome.added:
        return _routine_answer(skipped or _("There is nothing to add."), 409)
    if is_htmx_fragment_request():
        body = render_template(
            "storefront/skin/_routine_added.html",
            added=added,
            skipped=skipped,
            toast_message=added,
        )
        response = private(make_response(body))
        response.headers["HX-Trigger"] = CART_CHANGED
        return response
    flash(added, "success")
    if skipped:
        flash(skipped, "info")
    return redirect(url_for("storefront.cart"), 303)


def _routine_answer(message: str, status: int):
    if is_htmx_fragment_request():
        return toast(message, "error", status=status)
    flash(message, "error")
    return redirect(url_for("storefront.skin_analysis_result"), 303)


@bp.post("/skin-analysis/save")
def skin_analysis_save():
    """Save the analysis a shopper took as a guest to the account they have now signed in to."""
    if not current_user.is_authenticated:
        return sign_in_first(url_for("storefront.skin_analysis_result"), _("Sign in to save your skin profile."))
    form = ActionForm()
    answers = session.get(SESSION_KEY)
    if not form.validate() or not answers or validate_answers(answers):
        flash(_("Take the skin analysis first."), "error")
        return redirect(url_for("storefront.skin_analysis"), 303)
    skin.analyze(answers, user_id=current_user.id)
    flash(_("Your skin profile is saved to your account."), "success")
    return redirect(url_for("storefront.skin_analysis_result"), 303)
