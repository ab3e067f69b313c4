"""The audit of erasures (GDPR art. 17): when and by whom, never what."""

from django.conf import settings
from django.db import models


class Erasure(models.Model):
    """One customer account erased: the (now pseudonymous) account, when, who asked, by which door."""

    class Source(models.TextChoices):
        CUSTOMER = "customer", "Customer, from the account area"
        OPERATOR = "operator", "Operator (command or back office)"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=16, choices=Source.choices)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"Erasure of account #{self.user_id} at {self.at:%Y-%m-%d %H:%M}"
