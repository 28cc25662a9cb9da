"""Indian English amounts as they are written in India: digits grouped in lakh and crore ("₹1,50,000",
"2,00,00,000": a group of three, then groups of two) and rupees written "Rs." or "Rs" ("Rs. 2.5 lakh").
The grouping is taken out, so the number passes read the number whole (numwords reads en-IN numbers of
a lakh or more in lakh and crore), and "Rs." becomes the rupee sign the money pass knows (money.py)."""

from __future__ import annotations

from .langdata import Lang
from .lazy_re import lazy_compile

# At least one group of two before the last group of three: never a Western grouping ("1,500,000").
_LAKH_GROUPED = lazy_compile(r"(?<![\w.,])\d{1,2}(?:,\d\d)+,\d{3}(?=\.\d|(?![\d,]|,\d))")
# "Rs. 500", "Rs 500", "Rs.500": the rupee, before an amount.
_RUPEES = lazy_compile(r"\bRs\.?\s?(?=\d)")
HINT = lazy_compile(r"\d,\d\d,|\bRs\b")


def replace_indian(text: str, lang: Lang) -> str:
    """Lakh-grouped numbers ungrouped (any English); "Rs." made "₹" (en-IN)."""
    if lang.region == "IN":  # first: "Rs.1,00,000" has its grouping after the abbreviation's dot
        text = _RUPEES.sub("₹", text)
    return _LAKH_GROUPED.sub(lambda m: m.group(0).replace(",", ""), text)
