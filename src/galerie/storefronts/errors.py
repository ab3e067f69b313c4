from galerie.core.errors import NotFound


class StorefrontNotFound(NotFound):
    code = "storefront_not_found"
    http_status = 404
