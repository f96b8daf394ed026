"""Care links and consent pages: the privacy summary, the clinician directory, what a
member shares with whom (and its history), invite links, and a clinician's clients."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mindhaven.accounts import services
from mindhaven.accounts.consent import CATEGORIES, PRIVACY_SUMMARY, get_category
from mindhaven.accounts.decorators import privacy_agreement_required, sudo_mode
from mindhaven.accounts.models import CareLink, ConsentEvent, ConsentGrant, User
from mindhaven.accounts.permissions import get_clients_for_clinician, get_link_for_member


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _member(request: HttpRequest) -> User:
    user = _user(request)
    if user.role != User.Role.MEMBER:
        raise PermissionDenied
    return user


def _clinician(request: HttpRequest) -> User:
    user = _user(request)
    if user.role != User.Role.CLINICIAN:
        raise PermissionDenied
    return user


def privacy_agree(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    if not safe:
        next_url = reverse("accounts:sharing")
    if request.method == "POST":
        services.agree_to_privacy(user=user)
        messages.success(request, _("Thank you. You can change what you share at any time."))
        return redirect(next_url)
    context = {"summary": PRIVACY_SUMMARY, "next": next_url}
    return render(request, "accounts/care/privacy_agree.html", context)


@privacy_agreement_required
def clinicians(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    linked = set(
        CareLink.objects.filter(member=member, ended_at__isnull=True).values_list(
            "clinician_id", flat=True
        )
    )
    # The directory is opt-in: clinicians who list themselves (care's profile page),
    # and the member's own clinicians.
    people = (
        User.objects.filter(role=User.Role.CLINICIAN, is_active=True)
        .filter(Q(clinician_profile__listed=True) | Q(pk__in=linked))
        .order_by("display_name", "username")
    )
    rows = [{"clinician": person, "linked": person.pk in linked} for person in people]
    return render(request, "accounts/care/clinicians.html", {"rows": rows})


@require_POST
@privacy_agreement_required
@sudo_mode
def link_clinician(request: HttpRequest, code: str) -> HttpResponse:
    member = _member(request)
    try:
        clinician = services.find_clinician(str(code))
    except ValidationError as exc:
        raise PermissionDenied from exc
    if not User.objects.filter(pk=clinician.pk, clinician_profile__listed=True).exists():
        raise Http404  # not in the directory: an invite link is the way to them
    services.link_member(member=member, clinician=clinician, how=CareLink.How.DIRECTORY)
    messages.success(
        request,
        _("You are linked to %(name)s. Choose what to share below.") % {"name": clinician.name},
    )
    return redirect("accounts:sharing")


def _sharing_context(member: User) -> dict[str, Any]:
    links = list(CareLink.objects.filter(member=member).select_related("clinician"))
    grants = ConsentGrant.objects.filter(link__in=links, revoked_at__isnull=True)
    shared: dict[int, set[str]] = {}
    for grant in grants:
        shared.setdefault(grant.link_id, set()).update(grant.categories)
    active = [
        {"link": link, "shared": shared.get(link.pk, set())} for link in links if link.is_active
    ]
    names = {str(link.clinician.code): link.clinician.name for link in links}
    history = [
        {
            "event": event,
            "clinician": names.get(str(event.clinician_code), _("a clinician no longer here")),
            "categories": [get_category(key) or key for key in event.categories],
        }
        for event in ConsentEvent.objects.filter(member_code=member.code)[:200]
    ]
    return {"active": active, "categories": CATEGORIES, "history": history}


@privacy_agreement_required
@sudo_mode
def sharing(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    return render(request, "accounts/care/sharing.html", _sharing_context(member))


@require_POST
@privacy_agreement_required
@sudo_mode
def share(request: HttpRequest, code: str) -> HttpResponse:
    member = _member(request)
    link = get_link_for_member(member, code)
    if not link.is_active:
        raise PermissionDenied
    try:
        services.set_shared_categories(
            member=member,
            clinician=link.clinician,
            categories=request.POST.getlist("categories"),
            request=request,
        )
    except ValidationError as exc:
        context = _sharing_context(member) | {"error_link": link, "errors": exc.messages}
        return render(request, "accounts/care/sharing.html", context, status=400)
    messages.success(
        request, _("Saved what you share with %(name)s.") % {"name": link.clinician.name}
    )
    return redirect("accounts:sharing")


@require_POST
@privacy_agreement_required
@sudo_mode
def end_link(request: HttpRequest, code: str) -> HttpResponse:
    member = _member(request)
    link = get_link_for_member(member, code)
    services.end_link(member=member, link=link, request=request)
    messages.success(
        request,
        _("You are no longer linked to %(name)s. They see nothing of yours now.")
        % {"name": link.clinician.name},
    )
    return redirect("accounts:sharing")


@privacy_agreement_required
@sudo_mode
def accept_invite(request: HttpRequest, token: str) -> HttpResponse:
    member = _member(request)
    try:
        clinician = services.read_invite(token)
    except ValidationError:
        return render(request, "accounts/care/invite.html", {"invalid": True}, status=404)
    if request.method == "POST":
        services.accept_invite(member=member, token=token)
        messages.success(
            request,
            _("You are linked to %(name)s. Choose what to share below.") % {"name": clinician.name},
        )
        return redirect("accounts:sharing")
    return render(request, "accounts/care/invite.html", {"clinician": clinician})


def clients(request: HttpRequest) -> HttpResponse:
    clinician = _clinician(request)
    rows = [
        {"member": member, "categories": [get_category(key) for key in keys]}
        for member, keys in get_clients_for_clinician(clinician)
    ]
    return render(request, "accounts/care/clients.html", {"rows": rows})


@require_POST
def create_invite(request: HttpRequest) -> HttpResponse:
    clinician = _clinician(request)
    invite = services.create_invite(clinician=clinician)
    rows = [
        {"member": member, "categories": [get_category(key) for key in keys]}
        for member, keys in get_clients_for_clinician(clinician)
    ]
    context = {
        "rows": rows,
        "invite": invite,
        "invite_url": request.build_absolute_uri(invite.path),
    }
    response = render(request, "accounts/care/clients.html", context, status=201)
    response["Cache-Control"] = "no-store"
    return response
