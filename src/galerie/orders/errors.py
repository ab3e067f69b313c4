from galerie.core.errors import NotFound


class OrderNotFound(NotFound):
    code = "order_not_found"
    http_status = 404
