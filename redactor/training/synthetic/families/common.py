"""Blocks shared by many kinds: addresses, contact lines, prose connectors."""

from __future__ import annotations

from redactor.training.synthetic.builder import Doc
from redactor.training.synthetic.values import Values


def address(d: Doc, v: Values, multiline: bool | None = None, county: bool = False) -> None:
    """Street, city and postcode (each its own span), on one line or several.

    Components are labelled separately and consistently everywhere, so a multi-line
    address never needs one span across line breaks.
    """
    if multiline is None:
        multiline = d.chance(0.5)
    europe_order = v.locale not in ("en_US", "en_GB") or d.chance(0.2)
    d.v("street_address", v.street())
    d.nl() if multiline else d.t(d.any([", ", " ", ", "]))
    if europe_order:
        d.v("zip_code", v.zip_code()).t(" ").v("city", v.city())
    else:
        d.v("city", v.city()).t(d.any([", ", " "]))
        if v.locale == "en_US":
            d.raw(v.fake.state_abbr() + " ")
        d.v("zip_code", v.zip_code())
    if county:
        d.nl() if multiline else d.t(", ")
        d.v("county", v.county())


def name_email_phone(d: Doc, v: Values, who: str | None = None) -> str:
    """Name, e-mail and phone fields; returns the name for reuse in prose."""
    name = who or v.person()
    d.field(["Name", "Full name", "Contact", "Customer"], "person", name)
    d.field(["Email", "E-mail", "Mail", "Email address"], "email", v.email(name))
    d.field(["Phone", "Tel", "Telephone", "Mobile", "Cell"], "phone_number", v.phone())
    return name


def greeting(d: Doc, name: str) -> None:
    """A salutation with the name as a span."""
    d.t(d.pick(["Hi ", "Hello ", "Dear ", "Good morning ", "Hey "])).v("person", name).t(d.pick([",", ",", "!", " -", ""])).nl(2)


def signoff(d: Doc, name: str) -> None:
    d.nl().t(d.pick(["Best regards,", "Thanks,", "Kind regards", "Cheers,", "Sincerely,", "--"])).nl().v("person", name).nl()
