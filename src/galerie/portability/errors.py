from __future__ import annotations

from galerie.core.errors import DomainError


class BundleInvalid(DomainError):
    """The bundle is damaged or not one we read: nothing was written. ``file`` and ``line`` name
    the first problem; ``others`` counts the problems after it."""

    code = "bundle_invalid"
    http_status = 422

    def __init__(self, file: str, line: int | None, reason: str, *, others: int = 0) -> None:
        where = f"{file}, line {line}" if line else file
        more = f" (and {others} more problem{'s' if others != 1 else ''})" if others else ""
        super().__init__(f"{where}: {reason}{more}")
        self.file, self.line, self.reason, self.others = file, line, reason, others


class BundleConflict(DomainError):
    """Rows of the bundle already exist here (same natural key): nothing was written."""

    code = "bundle_conflict"
    http_status = 409

    def __init__(self, conflicts: list[str], *, total: int, storefront_exists: str = "") -> None:
        shown = "; ".join(conflicts)
        more = f" … and {total - len(conflicts)} more" if total > len(conflicts) else ""
        lead = (
            f"a storefront with code {storefront_exists!r} exists here already (a merge is not an import); "
            if storefront_exists
            else ""
        )
        super().__init__(f"{lead}{total} natural key(s) of the bundle already exist here: {shown}{more}")
        self.conflicts, self.total = conflicts, total
