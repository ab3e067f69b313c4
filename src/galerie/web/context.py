from django.http import HttpRequest


def storefront(request: HttpRequest) -> dict:
    """Expose the storefront being browsed (if any) to every template."""
    return {"storefront": getattr(request, "storefront", None)}
