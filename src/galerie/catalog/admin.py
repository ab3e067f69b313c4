from django.contrib import admin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from galerie.catalog.models import (
    AttributeDefinition,
    Brand,
    Category,
    Product,
    ProductImage,
    ProductType,
    Variant,
)
from galerie.core.pagination import EstimatedCountPaginator


@admin.register(Category)
class CategoryAdmin(TreeAdmin):
    form = movenodeform_factory(Category)
    list_display = ["name", "slug", "depth"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    paginator = EstimatedCountPaginator
    show_full_result_count = False


class AttributeDefinitionInline(admin.TabularInline):
    model = AttributeDefinition
    extra = 0


@admin.register(ProductType)
class ProductTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "tax_class"]
    search_fields = ["name", "code"]
    inlines = [AttributeDefinitionInline]


@admin.register(AttributeDefinition)
class AttributeDefinitionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "product_type", "kind", "level", "is_required"]
    list_filter = ["kind", "level", "product_type"]
    list_select_related = ["product_type"]
    search_fields = ["code", "name"]


class VariantInline(admin.TabularInline):
    model = Variant
    extra = 0
    fields = ["name", "gtin", "attributes", "position"]


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    extra = 0
    fields = ["image", "thumbnail", "alt", "position"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "brand", "product_type", "status", "created_at"]
    list_filter = ["status", "product_type"]
    list_select_related = ["category", "brand", "product_type"]
    search_fields = ["title", "slug", "variants__gtin"]
    autocomplete_fields = ["brand", "category"]
    readonly_fields = ["uuid", "created_at", "updated_at"]
    inlines = [VariantInline, ProductImageInline]
    paginator = EstimatedCountPaginator
    show_full_result_count = False


@admin.register(Variant)
class VariantAdmin(admin.ModelAdmin):
    list_display = ["__str__", "gtin", "position"]
    list_select_related = ["product"]
    search_fields = ["gtin", "name"]
    raw_id_fields = ["product"]
    readonly_fields = ["uuid"]
    paginator = EstimatedCountPaginator
    show_full_result_count = False


@admin.register(ProductImage)
class ProductImageAdmin(admin.ModelAdmin):
    list_display = ["__str__", "product", "width", "height", "position"]
    list_select_related = ["product"]
    raw_id_fields = ["product"]
    show_full_result_count = False
