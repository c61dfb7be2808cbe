"""Field values for the demo data set, as dirty as legacy JodGig's (SPEC §9).

Each function draws only from the ``random.Random`` it is given. Times are
naive JodGig local wall-clock times, in whole seconds.
"""

import random
from datetime import datetime, timedelta
from string import ascii_uppercase

START, END = datetime(2019, 1, 1), datetime(2026, 10, 31)

_FIRST_NAMES = ("Wei Ling", "Muhammad", "Priya", "Jun Jie", "Siti", "Arjun", "Mei Hua", "Daniel", "Nur Aisyah")
_LAST_NAMES = ("Tan", "Lim", "Lee", "Ng", "Ong", "Wong", "Goh", "Chua", "Abdullah", "Rahman", "Krishnan")
_BRANDS = ("Golden", "Lion City", "Marina", "Orchid", "Harbour", "Red Dot", "Kopi", "Sunrise", "Jade")
_TRADES = ("F&B", "Logistics", "Retail", "Events", "Hospitality", "Cleaning", "Catering", "Staffing")
_AREAS = ("Tampines", "Jurong East", "Orchard", "Bugis", "Woodlands", "Punggol", "Bishan", "Clementi")
_EMAIL_DOMAINS = ("example.com", "mail.example.sg", "demo.jodgig.test")
# Repeats weight the draw: mostly Singapore numbers as people type them, some foreign, junk or NULL.
_MOBILE_FORMS = (
    ("{a} {b}",) * 3 + ("+65 {a}-{b}",) * 2 + ("65{a}{b}",) * 2 + ("(65) {a}.{b}", "{a}{b}", "{a}{b}")
    + ("+44 20 7946 0958", "12345", "abc", None)
)  # fmt: skip


def moment(rng: random.Random, after: datetime = START) -> datetime:
    """A time in ``[after, END]``."""
    return after + timedelta(seconds=int(rng.random() * ((END - after).total_seconds() + 1)))


def first_name(rng: random.Random) -> str | None:
    return _dirty_name(rng, _FIRST_NAMES)


def last_name(rng: random.Random) -> str | None:
    return _dirty_name(rng, _LAST_NAMES)


def _dirty_name(rng: random.Random, pool: tuple[str, ...]) -> str | None:
    """A name from ``pool``; sometimes with surrounding spaces, empty or NULL."""
    draw = rng.random()
    if draw < 0.03:
        return None
    if draw < 0.05:
        return ""
    name = rng.choice(pool)
    return f"  {name} " if draw < 0.12 else name


def email(rng: random.Random, user_id: int) -> str:
    """A valid e-mail unique to ``user_id`` once trimmed and lower-cased, often mixed-case or padded."""
    local = f"{rng.choice(_FIRST_NAMES).replace(' ', '.')}.{user_id}"
    domain = rng.choice(_EMAIL_DOMAINS)
    draw = rng.random()
    if draw < 0.1:
        return f"  {local.upper()}@{domain.title()} "
    return f"{local}@{domain.upper()}" if draw < 0.3 else f"{local.lower()}@{domain}"


def mobile(rng: random.Random) -> str | None:
    """A phone number as people type it: many Singapore formats, foreign numbers, junk or NULL."""
    form = rng.choice(_MOBILE_FORMS)
    number = rng.choice("3689") + f"{int(rng.random() * 10**7):07d}"
    return form and form.format(a=number[:4], b=number[4:])


def company_name(rng: random.Random) -> str:
    return f"{rng.choice(_BRANDS)} {rng.choice(_TRADES)} Pte. Ltd."


def uen(rng: random.Random, registered: datetime) -> str | None:
    """A Singapore business registration number such as ``201912345K``, or NULL."""
    if rng.random() < 0.15:
        return None
    return f"{registered.year}{rng.randrange(10**5):05d}{rng.choice(ascii_uppercase)}"


def outlet_name(rng: random.Random) -> str:
    return f"{rng.choice(_AREAS)} Outlet"


def address(rng: random.Random) -> str | None:
    if rng.random() < 0.2:
        return None
    return f"{rng.randint(1, 999)} {rng.choice(_AREAS)} Ave {rng.randint(1, 9)}, Singapore"
