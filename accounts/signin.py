"""Sign-in, the same at every door (API, admin, portal): one account key for the lookup and the
limit.

- `account_key(email)`: the account an e-mail names (NFKC, case-folded, stripped). The
  per-account throttle (accounts.throttles) counts by it and the lookup finds by it, so
  look-alikes (a long s for `s`, fullwidth letters) are one account with one limit, not one each.
- `find_user(email)`: the user whose e-mail has that key (accounts.backends authenticates with it).
"""

from __future__ import annotations

import unicodedata

from django.db.models import Q

from accounts.models import User


def account_key(email: str) -> str:
    """The account an e-mail address names: compatibility-normalised, case-folded, stripped."""
    folded = unicodedata.normalize("NFKC", email).casefold()
    return unicodedata.normalize("NFKC", folded).strip()  # casefold can leave non-NFKC text


def find_user(email: str) -> User | None:
    """The user whose e-mail has the same account key, active or not (the caller decides)."""
    key = account_key(email)
    # iexact on the key finds the usual rows (ASCII, any case); on the raw text, a stored address
    # whose own folding iexact does not know. Either way only a row with the same key is taken.
    candidates = User.objects.filter(Q(email__iexact=key) | Q(email__iexact=email.strip()))
    return next((u for u in candidates.order_by("pk") if account_key(u.email) == key), None)
