"""The country list is ISO 3166-1, named and sorted in the page's language."""

from galerie.core.countries import COUNTRIES, country_choices, country_name


def test_the_list_is_the_249_iso_countries_and_nothing_else():
    assert len(COUNTRIES) == 249
    assert {"FR", "DE", "US", "AX", "BQ", "SS", "VA"} <= COUNTRIES
    assert (
        not {"XA", "XB", "EU", "EZ", "UN", "QO", "CQ", "ZZ", "XK", "AC", "DG", "EA", "IC", "TA", "CP"}
        & COUNTRIES
    )


def test_names_are_in_the_language_and_sorted_as_its_readers_sort():
    french = [name for _, name in country_choices("fr")]
    assert "pseudo-accents" not in french and "zone euro" not in french and "Nations Unies" not in french
    assert french.index("Égypte") < french.index("Émirats arabes unis") < french.index("Équateur")
    assert (
        french.index("Équateur")
        < french.index("Érythrée")
        < french.index("Espagne")
        < french.index("Estonie")
    )
    assert french[-1] == "Zimbabwe"
    english = [name for _, name in country_choices("en")]
    assert english.index("Åland Islands") < english.index("Albania")
    assert country_name("DE", "fr") == "Allemagne" and country_name("de", "en") == "Germany"
    assert country_name("QQ", "fr") == "QQ"  # unknown: the code itself
