"""The one error of backups and restores: its message names the cause and what to do."""

from galerie.core.errors import DomainError


class BackupError(DomainError):
    code = "backup_error"
