from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from mindhaven.accounts.models import AccessToken, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin[User]):
    list_display = ("username", "display_name", "email", "role", "is_active", "is_demo")
    list_filter = ("role", "is_active", "is_demo", "is_staff")
    search_fields = ("username", "display_name", "email")
    readonly_fields = ("code", "is_demo", "last_login", "date_joined")
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (
            _("Mindhaven"),
            {
                "fields": (
                    "code",
                    "display_name",
                    "role",
                    "timezone",
                    "locale",
                    "country",
                    "is_demo",
                )
            },
        ),
    )


@admin.register(AccessToken)
class AccessTokenAdmin(admin.ModelAdmin[AccessToken]):
    """Tokens can be looked at and revoked (by setting revoked_at), never made here."""

    list_display = (
        "name",
        "user",
        "prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("revoked_at",)
    search_fields = ("user__username", "name", "prefix")
    fields = ("user", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    readonly_fields = ("user", "name", "prefix", "created_at", "expires_at", "last_used_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
