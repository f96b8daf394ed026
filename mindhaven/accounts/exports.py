"""What accounts and notifications put in a person's export (see mindhaven.core.export)."""

from typing import Any
from uuid import UUID

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.utils import timezone

from mindhaven.accounts.models import User
from mindhaven.core.export import ExportFile, register_exporter
from mindhaven.core.models import AuditEvent
from mindhaven.notifications.models import Notification


def export_filename(user: User) -> str:
    """The name a download of the export gets: mindhaven-export-<username>-<date>.zip."""
    return f"mindhaven-export-{user.username}-{timezone.now():%Y-%m-%d}.zip"


def _names_by_code(codes: set[UUID]) -> dict[UUID, str]:
    return dict(User.objects.filter(code__in=codes).values_list("code", "username"))


def _profile(user: User) -> dict[str, Any]:
    return {
        "code": user.code,
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "timezone": user.timezone,
        "locale": user.locale,
        "country": user.country,
        "role": user.role,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
        "privacy_agreed_at": getattr(user, "privacy_agreed_at", None),
        "privacy_version": getattr(user, "privacy_version", ""),
    }


def _care_files(user: User) -> list[ExportFile]:
    """Care links, consent grants and consent history, where the person is the member."""
    try:
        care_link = apps.get_model("accounts", "CareLink")
        consent_grant = apps.get_model("accounts", "ConsentGrant")
        consent_event = apps.get_model("accounts", "ConsentEvent")
    except LookupError:
        return []
    links = care_link.objects.filter(member=user).select_related("clinician")
    grants = consent_grant.objects.filter(link__member=user).select_related("link__clinician")
    events = list(consent_event.objects.filter(member_code=user.code))
    names = _names_by_code({e.clinician_code for e in events} | {e.actor_code for e in events})

    def who(code: UUID | None) -> str:
        if code is None:
            return "Mindhaven"
        if code == user.code:
            return user.username
        return names.get(code, str(code))

    return [
        ExportFile(
            "care_links.csv",
            [
                {
                    "code": link.code,
                    "clinician": link.clinician.username,
                    "how": link.how,
                    "created_at": link.created_at,
                    "ended_at": link.ended_at,
                }
                for link in links
            ],
            "The clinicians you linked to: when the link began, how, and when it ended.",
            columns=["code", "clinician", "how", "created_at", "ended_at"],
        ),
        ExportFile(
            "consent_grants.csv",
            [
                {
                    "code": grant.code,
                    "clinician": grant.link.clinician.username,
                    "categories": grant.categories,
                    "granted_at": grant.granted_at,
                    "revoked_at": grant.revoked_at,
                    "consent_text_version": grant.consent_text_version,
                }
                for grant in grants
            ],
            "What you chose to share with each clinician, and when you stopped sharing it.",
            columns=[
                "code",
                "clinician",
                "categories",
                "granted_at",
                "revoked_at",
                "consent_text_version",
            ],
        ),
        ExportFile(
            "consent_history.csv",
            [
                {
                    "at": event.at,
                    "action": event.action,
                    "clinician": who(event.clinician_code),
                    "categories": event.categories,
                    "by": who(event.actor_code),
                    "grant_code": event.grant_code,
                    "consent_text_version": event.consent_text_version,
                }
                for event in events
            ],
            "Every time you started or stopped sharing something with a clinician.",
            columns=[
                "at",
                "action",
                "clinician",
                "categories",
                "by",
                "grant_code",
                "consent_text_version",
            ],
        ),
    ]


@register_exporter("accounts")
def export_account(user: User) -> list[ExportFile]:
    emails = EmailAddress.objects.filter(user=user).order_by("email")
    tokens = user.access_tokens.all()
    authenticators = Authenticator.objects.filter(user=user).order_by("created_at")
    access_log = AuditEvent.objects.filter(subject_code=user.code)
    return [
        ExportFile(
            "profile.json",
            _profile(user),
            "Your profile: your username, name, email address, time zone, language, "
            "country, role, and when you joined and last signed in.",
        ),
        ExportFile(
            "email_addresses.csv",
            [{"email": e.email, "primary": e.primary, "verified": e.verified} for e in emails],
            "Your email addresses, and whether each one is confirmed.",
            columns=["email", "primary", "verified"],
        ),
        ExportFile(
            "access_tokens.csv",
            [
                {
                    "name": t.name,
                    "starts_with": t.prefix,
                    "created_at": t.created_at,
                    "expires_at": t.expires_at,
                    "last_used_at": t.last_used_at,
                    "revoked_at": t.revoked_at,
                }
                for t in tokens
            ],
            "The access tokens you made for apps and scripts (names and dates only; "
            "the tokens themselves are never stored).",
            columns=[
                "name",
                "starts_with",
                "created_at",
                "expires_at",
                "last_used_at",
                "revoked_at",
            ],
        ),
        ExportFile(
            "two_factor.csv",
            [
                {"type": a.type, "created_at": a.created_at, "last_used_at": a.last_used_at}
                for a in authenticators
            ],
            "Your two-factor sign-in methods (their kind and dates; no secrets).",
            columns=["type", "created_at", "last_used_at"],
        ),
        ExportFile(
            "access_log.csv",
            [
                {
                    "at": e.at,
                    "who": e.actor_username,
                    "their_role": e.actor_role,
                    "category": e.category,
                    "action": e.action,
                    "object_type": e.object_type,
                    "object_code": e.object_code,
                }
                for e in access_log
            ],
            "Who viewed your data: every time someone other than you opened it.",
            columns=[
                "at",
                "who",
                "their_role",
                "category",
                "action",
                "object_type",
                "object_code",
            ],
        ),
        *_care_files(user),
    ]


@register_exporter("notifications")
def export_notifications(user: User) -> list[ExportFile]:
    notifications = Notification.objects.filter(user=user)
    return [
        ExportFile(
            "notifications.csv",
            [
                {
                    "created_at": n.created_at,
                    "kind": n.kind,
                    "title": n.title,
                    "body": n.body,
                    "link": n.url,
                    "read_at": n.read_at,
                }
                for n in notifications
            ],
            "The notices Mindhaven showed you, and when you read them.",
            columns=["created_at", "kind", "title", "body", "link", "read_at"],
        )
    ]
