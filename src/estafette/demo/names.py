"""Small lists of synthetic names for the demo: combined at random, never a real person's record.

The lists are common Dutch given names and family names (and some names of
Dutch people with roots elsewhere, as the population detained abroad has), so
a combination reads as plausible without describing anyone. The named
examples in ``examples.py`` pick their own names; these feed the bulk data.
"""

from __future__ import annotations

import random


def _names(text: str) -> tuple[str, ...]:
    """Split a comma-separated block into names (kept as prose so the lists stay compact)."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


MALE_GIVEN = _names(
    """
    Jan, Pieter, Kees, Henk, Willem, Johan, Sander, Bas, Thijs, Ruben, Dennis, Mark, Erik,
    Frank, Peter, Rob, Tom, Jeroen, Maarten, Niels, Stefan, Martijn, Jasper, Rick, Kevin,
    Patrick, Michel, Roy, Marco, Danny, Wouter, Arjen, Bram, Joost, Gert, Harm, Lars, Mike,
    Ronald, Vincent, Youssef, Mohamed, Said, Karim, Bilal, Mehmet, Emre, Ali, Hakan, Murat,
    Ricardo, Jurgen, Glenn, Rodney, Milton, Ivan, Dario, Sven, Koen, Luuk
    """
)
FEMALE_GIVEN = _names(
    """
    Anna, Maria, Linda, Sandra, Monique, Priscilla, Saskia, Ingrid, Esther, Marieke, Petra,
    Karin, Nicole, Anouk, Sanne, Lotte, Femke, Iris, Naima, Fatima, Yasmina, Ayse, Elif,
    Shirley, Gloria, Jolanda, Wendy, Chantal
    """
)
FAMILY = _names(
    """
    de Jong, Jansen, de Vries, van den Berg, van Dijk, Bakker, Janssen, Visser, Smit, Meijer,
    de Boer, Mulder, de Groot, Bos, Vos, Peters, Hendriks, van Leeuwen, Dekker, Brouwer,
    de Wit, Dijkstra, Smits, de Graaf, van der Meer, van der Linden, Kok, Jacobs, de Haan,
    Vermeulen, van den Heuvel, van der Veen, van den Broek, de Bruijn, de Bruin,
    van der Heijden, Schouten, van Beek, Willems, van Vliet, van de Ven, Hoekstra, Maas,
    Verhoeven, Koster, van Dam, van der Wal, Prins, Blom, Huisman, Peeters, de Koning, Kuipers,
    van Wijk, Postma, Kramer, van den Bosch, Martens, Veenstra, Timmermans, Groen, Boer,
    el Amrani, Bouzid, Benali, Yilmaz, Kaya, Demir, Sahin, Wijngaarde, Pinas, Kross, Martina,
    Statia, Zuiverloon, Doornbos, Geerts, Ruiter
    """
)


def given_name(rng: random.Random, *, female: bool) -> str:
    """One given name of the requested gender."""
    return rng.choice(FEMALE_GIVEN if female else MALE_GIVEN)


def family_name(rng: random.Random) -> str:
    """One family name (with its Dutch prefix where it has one)."""
    return rng.choice(FAMILY)


def full_name(rng: random.Random, *, female: bool | None = None) -> tuple[str, str]:
    """``(given, family)``; gender drawn at random when not given."""
    if female is None:
        female = rng.random() < 0.5
    return given_name(rng, female=female), family_name(rng)
