"""Date formats that override Django's per language (settings.FORMAT_MODULE_PATH).

English pages write dates the unambiguous British way, "4 Dec 2026", never 12/04/2026 (which
a French reader takes for 12 April); French keeps Django's own 04/12/2026 (docs/dates.md).
"""
