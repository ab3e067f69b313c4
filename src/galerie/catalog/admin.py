from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from galerie.catalog import services
from galerie.catalog.models import (
    AttributeDefinition,
    Brand,
    Category,
    MatchReview,
    Product,
    ProductImage,
    ProductType,
    Variant,
)
from galerie.catalog.safety import SAFETY_FIELDS
from galerie.core.admin_actions import ViewOnly
from galerie.core.images import CLEAN_IMAGE_OVERRIDES
from galerie.core.pagination import EstimatedCountPaginator


class ReportsProductEdits:
    """Admin edits of a product, its variants or images go out as ``product.updated`` (or
    ``product.deleted``) events, like every other change: the search index and the cached
    pages follow them (docs/search.md). ``product_of`` names the product an object belongs to."""

    @staticmethod
    def product_of(obj) -> int:
        return obj.pk

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.product_edited(product_id=self.product_of(form.instance))

    def delete_model(self, request, obj):
        services.product_edited(product_id=self.product_of(obj), deleted=isinstance(obj, Product))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.product_edited(product_id=self.product_of(obj), deleted=isinstance(obj, Product))
        super().delete_queryset(request, queryset)


class ReportsLabelEdits:
    """Admin edits of a brand or a category go out as events (names and places shown on the
    storefronts' listings and facets)."""

    label_field = ""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            services.catalog_labels_edited(**{self.label_field: obj.pk})


@admin.register(Category)
class CategoryAdmin(ReportsLabelEdits, TreeAdmin):
    label_field = "category_id"
    form = movenodeform_factory(Category)
    list_display = ["name", "slug", "depth"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def move_node(self, request):
        """The tree's drag and drop moves a category without its change form: the move and its
        ``category.updated`` event commit together, so the listings, facets and menus of the
        products below it follow (their category's ancestors changed)."""
        with transaction.atomic():
            response = super().move_node(request)
            if response.status_code == 200:
                services.catalog_labels_edited(category_id=int(request.POST["node"]))
        return response


@admin.register(Brand)
class BrandAdmin(ReportsLabelEdits, admin.ModelAdmin):
    label_field = "brand_id"
    list_display = ["name", "slug"]
    search_fields = ["name"]
    paginator = EstimatedCountPaginator
    show_full_result_count = False


class AttributeDefinitionInline(admin.TabularInline):
    model = AttributeDefinition
    extra = 0


@admin.register(ProductType)
class ProductTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "tax_class", "is_book", "withdrawal_exception"]
    list_filter = ["is_book", "withdrawal_exception"]
    search_fields = ["name", "code"]
    inlines = [AttributeDefinitionInline]


@admin.register(AttributeDefinition)
class AttributeDefinitionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "product_type", "kind", "level", "is_required", "is_key"]
    list_filter = ["kind", "level", "product_type"]
    list_select_related = ["product_type"]
    search_fields = ["code", "name"]


class VariantInline(admin.TabularInline):
    model = Variant
    extra = 0
    fields = ["name", "gtin", "attributes", "position"]


class ProductImageInline(admin.TabularInline):
    formfield_overrides = CLEAN_IMAGE_OVERRIDES  # checked like every picture upload
    model = ProductImage
    extra = 0
    fields = ["image", "thumbnail", "alt", "position"]


@admin.register(Product)
class ProductAdmin(ReportsProductEdits, admin.ModelAdmin):
    list_display = ["title", "category", "brand", "product_type", "status", "created_at"]
    list_filter = ["status", "product_type"]
    list_select_related = ["category", "brand", "product_type"]
    search_fields = ["title", "slug", "variants__gtin"]
    autocomplete_fields = ["brand", "category"]
    readonly_fields = ["uuid", "created_at", "updated_at", "recalled_at"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "product_type",
                    "category",
                    "brand",
                    "title",
                    "slug",
                    "description",
                    "attributes",
                    "status",
                ]
            },
        ),
        (_("Books (loi Lang)"), {"fields": ["publisher_price_minor", "publisher_price_currency"]}),
        (
            _("Product safety (GPSR): required before any offer"),
            {"fields": [*SAFETY_FIELDS, "recall_period_months", "recalled_at"]},
        ),
        (None, {"fields": ["uuid", "created_at", "updated_at"]}),
    ]
    inlines = [VariantInline, ProductImageInline]
    paginator = EstimatedCountPaginator
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"publisher_price_minor", "publisher_price_currency"} & set(form.changed_data):
            # a book's new offers follow its publisher's price (docs/loi-lang.md)
            services.product_publisher_price_changed(product_id=obj.pk)


@admin.register(Variant)
class VariantAdmin(ReportsProductEdits, admin.ModelAdmin):
    @staticmethod
    def product_of(obj) -> int:
        return obj.product_id

    list_display = ["__str__", "gtin", "position"]
    list_select_related = ["product"]
    search_fields = ["gtin", "name"]
    raw_id_fields = ["product"]
    readonly_fields = ["uuid"]
    paginator = EstimatedCountPaginator
    show_full_result_count = False


@admin.register(ProductImage)
class ProductImageAdmin(ReportsProductEdits, admin.ModelAdmin):
    formfield_overrides = CLEAN_IMAGE_OVERRIDES  # checked like every picture upload

    @staticmethod
    def product_of(obj) -> int:
        return obj.product_id

    list_display = ["__str__", "product", "width", "height", "position"]
    list_select_related = ["product"]
    raw_id_fields = ["product"]
    show_full_result_count = False


@admin.register(MatchReview)
class MatchReviewAdmin(ViewOnly, admin.ModelAdmin):
    """Doubtful product matches (docs/product-matching.md): decided in the back office's review
    queue (/back-office/matches/), shown here read-only."""

    list_display = ["id", "batch", "title", "product", "score", "status", "decided_by", "committed_at"]
    list_filter = ["status", "batch"]
    list_select_related = ["product", "decided_by"]
    search_fields = ["batch"]
    show_full_result_count = False

    @admin.display(description="Incoming title")
    def title(self, obj: MatchReview) -> str:
        return str(obj.candidate.get("title", "")) if isinstance(obj.candidate, dict) else ""
