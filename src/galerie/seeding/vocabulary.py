"""The words the generated marketplace is made of: storefronts, category trees, product types,
names. Modelled on the marketplaces in the project's press seeds: a culture & books galerie
marchande, an electronics and appliances store, and a curated market of creators."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Domain:
    """One storefront of the generated operator and the part of the catalog it sells."""

    code: str
    name: str
    tagline: str
    language: str
    theme: dict[str, str]
    # (name, slug, [(child name, child slug, product type code, price range in cents)])
    tree: list[tuple[str, str, list[tuple[str, str, str, tuple[int, int]]]]]
    share_of_offers: float
    share_of_sellers: float
    share_of_brands: float
    private_seller_share: float = 0.0
    offer_shapes: tuple[tuple[float, tuple[int, int]], ...] = ((1.0, (1, 3)),)
    hosts: tuple[str, ...] = ()
    # The operator's commission: basis points of each line, fixed fee per line in cents.
    commission: tuple[int, int] = (1200, 0)


DOMAINS: list[Domain] = [
    Domain(
        code="pageplume",
        name="Page & Plume",
        tagline="Livres, musique, films et jeux : la galerie marchande des libraires",
        language="fr",
        theme={
            "colour_primary": "#6b2737",
            "colour_accent": "#c8963e",
            "colour_background": "#fbf7f0",
            "colour_text": "#2b2221",
            "font": "serif",
        },
        tree=[
            (
                "Livres",
                "livres",
                [
                    ("Romans", "romans", "livre", (590, 2490)),
                    ("Policiers & thrillers", "policiers-thrillers", "livre", (690, 2290)),
                    ("Science-fiction & fantasy", "science-fiction-fantasy", "livre", (790, 2590)),
                    ("Bandes dessinées", "bandes-dessinees", "livre", (1090, 2990)),
                    ("Jeunesse", "jeunesse", "livre", (490, 1690)),
                    ("Histoire", "histoire", "livre", (1290, 3490)),
                    ("Cuisine", "cuisine", "livre", (1490, 3990)),
                ],
            ),
            (
                "Musique",
                "musique",
                [
                    ("Vinyles", "vinyles", "musique", (1890, 3990)),
                    ("CD", "cd", "musique", (790, 1990)),
                ],
            ),
            ("Films & séries", "films-series", [("DVD & Blu-ray", "dvd-blu-ray", "film", (790, 2990))]),
            (
                "Jeux de société",
                "jeux-de-societe",
                [("Jeux en famille", "jeux-famille", "jeu", (1490, 5990))],
            ),
        ],
        share_of_offers=0.45,
        share_of_sellers=0.40,
        share_of_brands=0.15,
        private_seller_share=0.15,
        # Books are the long tail with many copies of the bestsellers: popular titles draw a crowd.
        offer_shapes=((0.70, (1, 2)), (0.22, (3, 5)), (0.08, (6, 12))),
        hosts=("pageplume.galerie.test",),
        commission=(1500, 0),
    ),
    Domain(
        code="topcircuit",
        name="Top Circuit",
        tagline="High-tech et électroménager au meilleur prix, vendus par des pros",
        language="fr",
        theme={
            "colour_primary": "#0b3d91",
            "colour_accent": "#ff6a13",
            "colour_background": "#f5f7fb",
            "colour_text": "#14213d",
            "font": "sans",
        },
        tree=[
            (
                "Informatique",
                "informatique",
                [
                    ("Ordinateurs portables", "ordinateurs-portables", "portable", (34900, 249900)),
                    ("Écrans", "ecrans", "ecran", (11900, 89900)),
                ],
            ),
            ("Téléphonie", "telephonie", [("Smartphones", "smartphones", "smartphone", (12900, 149900))]),
            (
                "Image & son",
                "image-son",
                [
                    ("Téléviseurs", "televiseurs", "televiseur", (24900, 299900)),
                    ("Casques & écouteurs", "casques-ecouteurs", "audio", (1990, 44900)),
                ],
            ),
            (
                "Électroménager",
                "electromenager",
                [
                    ("Lave-linge", "lave-linge", "gros-electro", (29900, 99900)),
                    ("Réfrigérateurs", "refrigerateurs", "gros-electro", (34900, 189900)),
                    ("Petit électroménager", "petit-electromenager", "petit-electro", (1990, 59900)),
                ],
            ),
        ],
        share_of_offers=0.35,
        share_of_sellers=0.35,
        share_of_brands=0.25,
        private_seller_share=0.05,
        offer_shapes=((0.55, (1, 2)), (0.30, (3, 6)), (0.15, (7, 15))),
        hosts=("topcircuit.galerie.test",),
        commission=(800, 0),
    ),
    Domain(
        code="atelier-onze",
        name="Atelier Onze",
        tagline="A curated market of makers, designers and small businesses",
        language="en",
        theme={
            "colour_primary": "#2f5d50",
            "colour_accent": "#d9825b",
            "colour_background": "#f7f4ee",
            "colour_text": "#23302b",
            "font": "rounded",
        },
        tree=[
            (
                "Home & living",
                "home-living",
                [
                    ("Ceramics", "ceramics", "craft", (1800, 12000)),
                    ("Candles", "candles", "craft", (1200, 4500)),
                    ("Textiles", "textiles", "craft", (1500, 9500)),
                ],
            ),
            (
                "Jewellery",
                "jewellery",
                [("Earrings & necklaces", "earrings-necklaces", "jewellery", (2500, 18000))],
            ),
            ("Art & prints", "art-prints", [("Prints", "prints", "print", (1500, 15000))]),
            ("Stationery", "stationery", [("Notebooks", "notebooks", "stationery", (900, 4500))]),
        ],
        share_of_offers=0.20,
        share_of_sellers=0.25,
        share_of_brands=0.60,
        # A maker's piece is usually sold by the maker alone.
        offer_shapes=((0.92, (1, 1)), (0.08, (2, 3))),
        hosts=("atelieronze.galerie.test",),
        commission=(1200, 30),
    ),
]


def _attr(code: str, name: str, kind: str = "text", **more: Any) -> dict[str, Any]:
    return {"code": code, "name": name, "kind": kind, **more}


@dataclass(frozen=True)
class TypeSpec:
    code: str
    name: str
    tax_class: str
    attributes: list[dict[str, Any]] = field(default_factory=list)
    is_book: bool = False  # the fixed book price (loi Lang): publisher's price, delivery rules


PRODUCT_TYPES: list[TypeSpec] = [
    TypeSpec(
        "livre",
        "Livre",
        "super_reduced",
        [
            _attr("author", "Auteur", is_required=True),
            _attr("pages", "Pages", "integer"),
            _attr("language", "Langue", "choice", choices=["français", "anglais"]),
            _attr("year", "Année de parution", "integer"),
            _attr("format", "Format", "choice", level="variant", choices=["broché", "poche", "relié"]),
        ],
        is_book=True,
    ),
    TypeSpec(
        "musique",
        "Musique",
        "standard",
        [
            _attr("artist", "Artiste", is_required=True),
            _attr("year", "Année", "integer"),
            _attr("format", "Support", "choice", level="variant", choices=["vinyle", "CD"]),
        ],
    ),
    TypeSpec(
        "film",
        "Film",
        "standard",
        [
            _attr("director", "Réalisation", is_required=True),
            _attr("duration", "Durée", "integer", unit="min"),
            _attr("year", "Année", "integer"),
            _attr("format", "Support", "choice", level="variant", choices=["DVD", "Blu-ray", "4K Ultra HD"]),
        ],
    ),
    TypeSpec(
        "jeu",
        "Jeu de société",
        "standard",
        [
            _attr("players", "Joueurs"),
            _attr("age", "Âge minimum", "integer", unit="ans"),
            _attr("duration", "Durée d'une partie", "integer", unit="min"),
        ],
    ),
    TypeSpec(
        "portable",
        "Ordinateur portable",
        "standard",
        [
            _attr("screen", "Écran", "decimal", unit="pouces"),
            _attr("processor", "Processeur"),
            _attr("ram", "Mémoire vive", "integer", unit="Go"),
            _attr("storage", "Stockage", "choice", level="variant", choices=["256 Go", "512 Go", "1 To"]),
        ],
    ),
    TypeSpec(
        "ecran",
        "Écran",
        "standard",
        [
            _attr("screen", "Diagonale", "decimal", unit="pouces"),
            _attr("resolution", "Définition", "choice", choices=["Full HD", "QHD", "4K"]),
            _attr("refresh", "Fréquence", "integer", unit="Hz"),
        ],
    ),
    TypeSpec(
        "smartphone",
        "Smartphone",
        "standard",
        [
            _attr("screen", "Écran", "decimal", unit="pouces"),
            _attr("camera", "Capteur principal", "integer", unit="Mpx"),
            _attr("storage", "Stockage", "choice", level="variant", choices=["128 Go", "256 Go", "512 Go"]),
            _attr("colour", "Coloris", "choice", level="variant", choices=["noir", "blanc", "bleu", "vert"]),
        ],
    ),
    TypeSpec(
        "televiseur",
        "Téléviseur",
        "standard",
        [
            _attr("screen", "Diagonale", "integer", unit="pouces"),
            _attr("resolution", "Définition", "choice", choices=["Full HD", "4K", "8K"]),
            _attr("panel", "Dalle", "choice", choices=["LED", "QLED", "OLED"]),
        ],
    ),
    TypeSpec(
        "audio",
        "Casque & écouteurs",
        "standard",
        [
            _attr("wireless", "Sans fil", "boolean"),
            _attr("battery", "Autonomie", "integer", unit="h"),
            _attr("colour", "Coloris", "choice", level="variant", choices=["noir", "blanc", "sable"]),
        ],
    ),
    TypeSpec(
        "gros-electro",
        "Gros électroménager",
        "standard",
        [
            _attr("energy_class", "Classe énergétique", "choice", choices=list("ABCDEFG")),
            _attr("capacity", "Capacité", "integer", unit="L ou kg"),
            _attr("noise", "Niveau sonore", "integer", unit="dB"),
        ],
    ),
    TypeSpec(
        "petit-electro",
        "Petit électroménager",
        "standard",
        [
            _attr("power", "Puissance", "integer", unit="W"),
            _attr("colour", "Coloris", "choice", level="variant", choices=["noir", "inox", "rouge"]),
        ],
    ),
    TypeSpec(
        "craft",
        "Handmade piece",
        "standard",
        [
            _attr("material", "Material", is_required=True),
            _attr("dimensions", "Dimensions"),
            _attr("colour", "Colour", "choice", level="variant", choices=["natural", "sage", "ochre", "ink"]),
        ],
    ),
    TypeSpec(
        "jewellery",
        "Jewellery",
        "standard",
        [
            _attr("metal", "Metal", "choice", choices=["sterling silver", "gold-plated", "brass"]),
            _attr("handmade", "Handmade", "boolean"),
        ],
    ),
    TypeSpec(
        "print",
        "Art print",
        "reduced",
        [
            _attr("paper", "Paper"),
            _attr("edition", "Limited edition of", "integer"),
            _attr("size", "Size", "choice", level="variant", choices=["A4", "A3", "50 × 70 cm"]),
        ],
    ),
    TypeSpec(
        "stationery",
        "Stationery",
        "standard",
        [
            _attr("pages", "Pages", "integer"),
            _attr("paper_weight", "Paper weight", "integer", unit="g/m²"),
            _attr("colour", "Cover", "choice", level="variant", choices=["terracotta", "navy", "olive"]),
        ],
    ),
]

FIRST_NAMES = [
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Inès",
    "Louise",
    "Jade",
    "Alice",
    "Zoé",
    "Lina",
    "Anna",
    "Rose",
    "Juliette",
    "Clara",
    "Margaux",
    "Élise",
    "Hugo",
    "Lucas",
    "Louis",
    "Gabriel",
    "Arthur",
    "Jules",
    "Nathan",
    "Adam",
    "Raphaël",
    "Paul",
    "Théo",
    "Victor",
    "Martin",
    "Simon",
    "Antoine",
    "Bastien",
    "Yanis",
    "Noé",
    "Sacha",
    "Nora",
    "Salomé",
    "Amir",
    "Karim",
    "Sofia",
    "Mila",
]
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Lefèvre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
    "Morin",
    "Mathieu",
    "Clément",
    "Gauthier",
    "Dumont",
    "Lopez",
    "Fontaine",
    "Chevalier",
    "Robin",
    "Benali",
    "Nguyen",
]
CITIES = [
    ("Paris", "750"),
    ("Lyon", "690"),
    ("Marseille", "130"),
    ("Bordeaux", "330"),
    ("Nantes", "440"),
    ("Lille", "590"),
    ("Toulouse", "310"),
    ("Rennes", "350"),
    ("Strasbourg", "670"),
    ("Montpellier", "340"),
    ("Grenoble", "380"),
    ("Dijon", "210"),
    ("Angers", "490"),
    ("Tours", "370"),
]
STREETS = [
    "rue des Écoles",
    "rue de la République",
    "avenue Jean-Jaurès",
    "boulevard Voltaire",
    "rue du Moulin",
    "place du Marché",
    "rue Victor-Hugo",
    "quai des Brumes",
    "rue des Tanneurs",
    "allée des Tilleuls",
    "rue Pasteur",
    "chemin des Vignes",
]

SHOP_WORDS = {
    "pageplume": [
        "Librairie",
        "Bouquinerie",
        "Le Comptoir",
        "Les Pages",
        "Disquaire",
        "Le Grenier",
        "Vinyl",
        "Ludothèque",
        "La Bulle",
        "Éditions",
    ],
    "topcircuit": [
        "Tech",
        "Digital",
        "Électro",
        "Connect",
        "Volt",
        "Pixel",
        "Ohm",
        "Circuit",
        "Hertz",
        "Com",
    ],
    "atelier-onze": [
        "Atelier",
        "Studio",
        "Maison",
        "Workshop",
        "Kiln",
        "Loom",
        "Paper",
        "Thread",
        "Forge",
        "Field",
    ],
}
SHOP_TAILS = [
    "du Marais",
    "des Canuts",
    "Saint-Michel",
    "de la Gare",
    "du Port",
    "des Halles",
    "Lumière",
    "Nord",
    "Sud",
    "Ouest",
    "Montmartre",
    "Croix-Rousse",
    "Belleville",
    "Bastide",
    "Presqu'île",
    "des Quais",
]

# Syllables for invented brand names, enough for 50,000 distinct ones.
BRAND_HEADS = [
    "Nor",
    "Vel",
    "Kai",
    "Or",
    "Lum",
    "Ast",
    "Bel",
    "Cor",
    "Dal",
    "Ely",
    "Fen",
    "Gal",
    "Hel",
    "Ix",
    "Jor",
    "Kel",
    "Lys",
    "Mor",
    "Nov",
    "Oka",
    "Pra",
    "Quo",
    "Rho",
    "Sol",
    "Tal",
    "Ul",
    "Var",
    "Wen",
    "Xal",
    "Yor",
    "Zen",
    "Ar",
    "Bri",
    "Cal",
    "Dor",
    "Era",
    "Fal",
    "Gor",
    "Hal",
    "Iro",
]
BRAND_TAILS = [
    "volt",
    "is",
    "ara",
    "tek",
    "on",
    "ia",
    "ex",
    "ora",
    "ium",
    "ine",
    "en",
    "ix",
    "ano",
    "eo",
    "ys",
    "ada",
    "ric",
    "oro",
    "ette",
    "ane",
    "yx",
]
# Brand pools: per product type where the trade differs (publishers, labels …), else per storefront.
# pool key -> (share of the storefront's brands, name templates)
BRAND_POOLS: dict[str, dict[str, tuple[float, list[str]]]] = {
    "pageplume": {
        "livre": (0.6, ["Éditions {}", "{} Éditions", "Presses {}", "Éditions du {}"]),
        "musique": (0.2, ["{} Records", "Disques {}", "{} Music"]),
        "film": (0.1, ["{} Films", "Studio {}", "{} Vidéo"]),
        "jeu": (0.1, ["{} Jeux", "Ludo {}", "{} Games"]),
    },
    "topcircuit": {"*": (1.0, ["{}", "{}", "{}tech", "{} Electronics", "{} Home"])},
    "atelier-onze": {
        "*": (1.0, ["Atelier {}", "Studio {}", "{} & Co", "Maison {}", "{} Workshop", "{} Goods"])
    },
}

BOOK_HEADS_FR = [
    "La Maison",
    "Le Silence",
    "Les Heures",
    "L'Hiver",
    "La Nuit",
    "Le Jardin",
    "Les Enfants",
    "La Mémoire",
    "Le Voyage",
    "Les Ombres",
    "La Lumière",
    "Le Dernier Été",
    "Les Promesses",
    "La Fille",
    "Le Secret",
    "Les Vagues",
    "L'Île",
    "La Route",
]
BOOK_TAILS_FR = [
    "des oiseaux",
    "de la mer",
    "du soir",
    "sans fin",
    "à Lisbonne",
    "de l'aube",
    "des autres",
    "du phare",
    "d'avant",
    "sous la neige",
    "de Marseille",
    "du fleuve",
    "perdues",
    "à l'envers",
    "du monde",
    "de septembre",
    "des collines",
]
BOOK_HEADS_EN = [
    "The Quiet",
    "A House",
    "The Last",
    "The Garden",
    "Small Hours",
    "The River",
    "A Winter",
    "The Lighthouse",
]
BOOK_TAILS_EN = ["of Salt", "by the Sea", "in Lisbon", "of Us", "at Dawn", "Between Worlds", "of Paper Birds"]
ALBUM_WORDS = [
    "Nocturnes",
    "Horizons",
    "Lumière",
    "Échos",
    "Saisons",
    "Rivages",
    "Électrique",
    "Cendres",
    "Aurores",
    "Boréal",
]
FILM_WORDS = [
    "Le Passage",
    "Mistral",
    "Nuit Blanche",
    "Les Ailes",
    "La Traversée",
    "Avant l'orage",
    "Sillage",
    "Sirocco",
]
GAME_WORDS = [
    "Archipel",
    "Caravane",
    "Comptoirs",
    "Dragons & Cie",
    "Mosaïque",
    "Odyssée",
    "Pirates",
    "Volcans",
    "Zénith",
]
TECH_LINES = [
    "Aero",
    "Nova",
    "Pulse",
    "Edge",
    "Prime",
    "Air",
    "Pro",
    "Max",
    "Lite",
    "Vision",
    "Sense",
    "Core",
]
PROCESSORS = ["Ryzen 5", "Ryzen 7", "Core i5", "Core i7", "Core Ultra 7", "M-series 8 cœurs"]
APPLIANCES = {
    "lave-linge": ["Lave-linge hublot", "Lave-linge top", "Lave-linge séchant"],
    "refrigerateurs": ["Réfrigérateur combiné", "Réfrigérateur américain", "Réfrigérateur table top"],
    "petit-electromenager": ["Cafetière expresso", "Bouilloire", "Robot pâtissier", "Grille-pain", "Blender"],
}
CRAFT_OBJECTS = {
    "ceramics": ["stoneware mug", "porcelain bowl", "speckled vase", "serving platter", "espresso cup"],
    "candles": ["beeswax candle", "soy candle in amber jar", "taper candle pair", "travel tin candle"],
    "textiles": ["linen tea towel", "wool throw", "cotton tote", "embroidered cushion", "linen napkins"],
    "earrings-necklaces": ["hoop earrings", "pendant necklace", "stud earrings", "chain bracelet"],
    "prints": ["botanical print", "city map print", "risograph poster", "linocut print", "abstract print"],
    "notebooks": ["dot-grid notebook", "linen-bound journal", "pocket sketchbook", "weekly planner"],
}
CRAFT_ADJECTIVES = [
    "Hand-thrown",
    "Hand-poured",
    "Handwoven",
    "Hand-carved",
    "Recycled",
    "Small-batch",
    "Organic",
    "Hand-dyed",
]
MATERIALS = {
    "ceramics": "stoneware|porcelain|earthenware",
    "candles": "beeswax|soy wax|rapeseed wax",
    "textiles": "linen|organic cotton|merino wool",
    "earrings-necklaces": "silver|brass|gold vermeil",
    "prints": "cotton rag paper|recycled paper",
    "notebooks": "recycled paper|cotton paper",
}
