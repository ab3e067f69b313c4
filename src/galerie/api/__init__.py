"""The REST API at /api/v1/ (django-ninja): sellers' systems, headless storefronts, the operator.

Routers call the same services and selectors as the pages; this package only translates HTTP
to them and back (docs/api.md).
"""
