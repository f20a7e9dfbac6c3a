"""Dortmund's Stadtteile and postcodes mapped to the twelve Stadtbezirke (district slugs).

Used to place imported events whose LOCATION names no known venue. A postcode area that spans
two Stadtbezirke is given to the one holding most of it.
"""

from __future__ import annotations

STADTTEILE: dict[str, tuple[str, ...]] = {
    "innenstadt-west": ("Dorstfeld", "Kreuzviertel", "Klinikviertel", "Unionviertel", "Tremonia",
                        "Westfalenhalle", "Westpark", "City West"),
    "innenstadt-nord": ("Nordstadt", "Hafen", "Nordmarkt", "Borsigplatz"),
    "innenstadt-ost": ("Körne", "Kaiserbrunnen", "Kaiserviertel", "Westfalendamm", "Ruhrallee", "Gartenstadt"),
    "eving": ("Eving", "Brechten", "Holthausen", "Lindenhorst", "Kemminghausen"),
    "scharnhorst": ("Scharnhorst", "Alt-Scharnhorst", "Derne", "Grevel", "Husen", "Kurl", "Lanstrop", "Hostedde"),
    "brackel": ("Brackel", "Asseln", "Neuasseln", "Wambel", "Wickede"),
    "aplerbeck": ("Aplerbeck", "Berghofen", "Schüren", "Sölde", "Sölderholz", "Lichtendorf"),
    "hoerde": ("Hörde", "Benninghofen", "Hacheney", "Holzen", "Syburg", "Wellinghofen", "Wichlinghofen",
               "Höchsten", "Phoenix-See", "Phoenix See"),
    "hombruch": ("Hombruch", "Barop", "Brünninghausen", "Eichlinghofen", "Kirchhörde", "Lücklemberg",
                 "Persebeck", "Menglinghausen", "Bittermark", "Löttringhausen", "Großholthausen", "Kruckel",
                 "Schnee", "Salingen"),
    "luetgendortmund": ("Lütgendortmund", "Bövinghausen", "Kley", "Marten", "Oespel", "Westrich", "Somborn",
                        "Holte-Kreta"),
    "huckarde": ("Huckarde", "Deusen", "Jungferntal", "Kirchlinde", "Rahm", "Wischlingen"),
    "mengede": ("Mengede", "Bodelschwingh", "Groppenbruch", "Nette", "Oestrich", "Schwieringhausen",
                "Westerfilde", "Ellinghausen"),
}

POSTCODES: dict[str, str] = {
    "44135": "innenstadt-west", "44137": "innenstadt-west", "44139": "innenstadt-west",
    "44149": "innenstadt-west", "44141": "innenstadt-ost", "44143": "innenstadt-ost",
    "44145": "innenstadt-nord", "44147": "innenstadt-nord", "44225": "hombruch", "44227": "hombruch",
    "44229": "hombruch", "44263": "hoerde", "44265": "hoerde", "44267": "hoerde", "44269": "aplerbeck",
    "44287": "aplerbeck", "44289": "aplerbeck", "44309": "brackel", "44319": "brackel",
    "44328": "scharnhorst", "44329": "scharnhorst", "44339": "eving", "44357": "huckarde",
    "44369": "huckarde", "44359": "mengede", "44379": "luetgendortmund", "44388": "luetgendortmund",
}
