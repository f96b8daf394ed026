from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mindhaven.accounts.decorators import privacy_agreement_required
from mindhaven.accounts.models import User
from mindhaven.safety import permissions, services
from mindhaven.safety.forms import SECTIONS, SafetyPlanForm, contact_line
from mindhaven.safety.models import CONTACT_SECTIONS, Sections, empty_sections
from mindhaven.safety.panel import panel_context, tel


def _user(request: HttpRequest) -> User:
    # LoginRequiredMiddleware guarantees a signed-in person here.
    assert isinstance(request.user, User)
    return request.user


def _shown_sections(sections: Sections) -> list[dict[str, object]]:
    shown = []
    for section in SECTIONS:
        items = sections.get(section.key, [])
        if section.key in CONTACT_SECTIONS:
            items = [
                {
                    "name": i.get("name", ""),
                    "phone": i.get("phone", ""),
                    "tel": tel(i.get("phone", "")),
                }
                for i in items
                if isinstance(i, dict)
            ]
        shown.append(
            {"section": section, "items": items, "contacts": section.key in CONTACT_SECTIONS}
        )
    return shown


def _plan_sections(user: User) -> tuple[Sections, bool]:
    """The member's sections, and whether they are suggestions (no plan saved yet)."""
    plan = permissions.get_plan_for_member(user)
    if plan is not None:
        return plan.sections, False
    sections = empty_sections()
    sections["professionals"] = services.suggested_professionals(user)
    return sections, True


@require_GET
def plan(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    stored = permissions.get_plan_for_member(user)
    sections, suggested = _plan_sections(user)
    with timezone.override(user.timezone):
        context = {
            "plan": stored,
            "sections": _shown_sections(sections),
            "suggested": suggested,
        }
        return render(request, "safety/plan.html", context)


@require_http_methods(["GET", "POST"])
@privacy_agreement_required
def edit_plan(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    sections, _suggested = _plan_sections(user)
    if request.method != "POST":
        form = SafetyPlanForm(sections=sections)
        return render(request, "safety/edit_plan.html", {"form": form})
    form = SafetyPlanForm(request.POST, sections=sections)
    if form.is_valid():
        try:
            services.save_safety_plan(member=user, sections=form.sections())
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Your safety plan was saved."))
            return redirect("safety:plan")
    return render(request, "safety/edit_plan.html", {"form": form}, status=400)


@require_GET
def download_plan(request: HttpRequest) -> HttpResponse:
    """The plan as a plain text file, to keep on the device (it opens with no network)."""
    user = _user(request)
    sections, _suggested = _plan_sections(user)
    lines = []
    for section in SECTIONS:
        items = sections.get(section.key, [])
        lines.append(f"{section.title}\n" + "".join(f"- {contact_line(i)}\n" for i in items))
    context = {"sections": "\n".join(lines), "user": user}
    text = render_to_string("safety/plan.txt", context, request=request)
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="safety-plan.txt"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def support(request: HttpRequest) -> HttpResponse:
    """The calm support panel on a page of its own, where urgent writing leads."""
    user = _user(request)
    return render(request, "safety/support.html", {"panel": panel_context(user)})


@require_POST
def notify_clinician(request: HttpRequest) -> HttpResponse:
    """The member asks to let their clinician know (from the support panel)."""
    user = _user(request)
    permissions.require_member(user)
    alerts = services.alert_clinicians(member=user)
    if alerts:
        names = get_text_list(sorted({a.clinician.name for a in alerts}), _("and"))
        messages.success(
            request,
            _(
                "We let %(names)s know that you may need help. "
                "They will see it when they next open Mindhaven."
            )
            % {"names": names},
        )
    else:
        messages.info(
            request,
            _(
                "You have no clinician linked on Mindhaven, so no one was told. "
                "You can still call one of the numbers below, or someone you trust."
            ),
        )
    return redirect("safety:support")


@require_GET
def alerts(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    shown = permissions.get_alerts_for_clinician(user, request=request)
    with timezone.override(user.timezone):
        return render(request, "safety/alerts.html", {"alerts": shown})


@require_POST
def acknowledge(request: HttpRequest, code: UUID) -> HttpResponse:
    user = _user(request)
    alert = permissions.get_alert_for_clinician(user, code)
    services.acknowledge_alert(alert=alert, clinician=user, request=request)
    messages.success(request, _("Alert acknowledged. Thank you for following up."))
    return redirect("safety:alerts")
