from django.contrib import admin
from django.http import HttpRequest

from galerie.terms.models import SellerComplaint, SellerTermsAcceptance, SellerTermsVersion


@admin.register(SellerTermsVersion)
class SellerTermsVersionAdmin(admin.ModelAdmin):
    list_display = ("number", "title", "effective_at", "published_at", "exception")
    readonly_fields = [f.name for f in SellerTermsVersion._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # published from the back office (services.terms_version_publish)


@admin.register(SellerTermsAcceptance)
class SellerTermsAcceptanceAdmin(admin.ModelAdmin):
    list_display = ("seller", "version", "how", "accepted_at")
    list_filter = ("how",)
    readonly_fields = [f.name for f in SellerTermsAcceptance._meta.fields]


@admin.register(SellerComplaint)
class SellerComplaintAdmin(admin.ModelAdmin):
    list_display = ("pk", "seller", "kind", "subject", "status", "created_at", "answered_at")
    list_filter = ("status", "kind", "outcome")
    readonly_fields = [f.name for f in SellerComplaint._meta.fields]
