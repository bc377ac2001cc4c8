"""Column names that say they hold a person's name, e-mail, phone number or address.

The data contract promises that none of these ever enters a dataset: the report needs
none of them, and a file that carries one is refused, naming the file and the column,
rather than read with the column ignored. A name is judged by its words, however it is
written: ``e_mail``, ``E-Mail``, ``eMail``, ``FirstName``, ``first name`` and
``PHONE_NUMBER`` are split into lower-case words (at separators, at each change from
lower to upper case, between letters and digits; accents dropped) before they are
compared with the words below.
"""

from __future__ import annotations

import re
import unicodedata

# A word that alone says the column holds personal data, in English or French (the
# extractions come from teams who write both).
PERSONAL_WORDS = frozenset(
    {
        # names
        "firstname", "lastname", "fullname", "surname", "givenname", "familyname",
        "middlename", "maidenname", "nickname", "username", "forename", "prenom", "nom",
        # e-mail
        "email", "mail", "emailaddress", "courriel",
        # phone
        "phone", "telephone", "tel", "phonenumber", "cellphone", "smartphone", "fax",
        # address
        "address", "addr", "adresse", "street", "streetaddress", "postaladdress",
    }
)  # fmt: skip
# Two words that together say the same when written apart ("e mail" of e_mail, E-Mail).
PERSONAL_PAIRS = frozenset({("e", "mail"), ("cell", "phone"), ("post", "code")})
# "name" alone or after these words names something that is not a person: a course or a
# path has a name the report may show. After any other word (first_name, member_name,
# company_name of a one-person company), or alone, it is a person's name.
THING_WORDS = frozenset(
    {"course", "path", "category", "team", "unit", "metric", "segment", "file", "domain", "country"}
)
WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


def words_of(name: str) -> list[str]:
    """The lower-case words of a column name (``"eMail_2"`` -> ``["e", "mail", "2"]``)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return [w.lower() for w in WORD.findall(plain)]


def says_personal(name: str) -> bool:
    """True when the column name ``name`` says it holds a name, e-mail, phone or address."""
    words = words_of(name)
    if any(w in PERSONAL_WORDS for w in words):
        return True
    if any(pair in PERSONAL_PAIRS for pair in zip(words, words[1:], strict=False)):
        return True
    # Joined again, the words catch what separators split: first_name, Last-Name.
    if any(a + b in PERSONAL_WORDS for a, b in zip(words, words[1:], strict=False)):
        return True
    return any(
        w == "name" and (i == 0 or words[i - 1] not in THING_WORDS) for i, w in enumerate(words)
    )
