"""Documents with no personal data at all: the model must learn to stay quiet.

Public company and product names, versions, SKUs, commit hashes and timestamps
appear here unlabelled on purpose.
"""

from __future__ import annotations

from redactor.training.synthetic.builder import Doc
from redactor.training.synthetic.families import kind
from redactor.training.synthetic.lookalikes import Lookalikes
from redactor.training.synthetic.values import Values


@kind("product_doc", "no personal data")
def product_doc(d: Doc, v: Values, x: Lookalikes) -> None:
    product = x.product()
    d.t(d.pick(["# ", "", "== "])).raw(product).t(d.pick([" User Guide", " - Quick start", " documentation"])).nl(2)
    d.t("Install version ").raw(x.version()).t(" and connect the device to port ").raw(str(d.rng.randint(1, 8))).t(".").nl()
    d.t("Part number ").raw(x.sku()).t(d.any([" fits all ", " replaces the "])).raw(x.product()).t(" models.").nl()
    d.t(d.pick(["Note: ", "Tip: ", "Warning: "])).t("set the timeout to ").raw(str(d.rng.randint(5, 120))).t(" seconds; default config lives in /etc/").raw(product.split()[0].lower()).t(".conf.").nl()
    if d.chance(0.5):
        d.t("Built with ").raw(x.public_company()).t(" toolchain, commit ").raw(x.commit()).t(".").nl()


@kind("release_notes", "no personal data")
def release_notes(d: Doc, v: Values, x: Lookalikes) -> None:
    d.t(d.pick(["Release notes ", "CHANGELOG ", "What's new in "])).raw(x.version()).t(" (").raw(x.timestamp()[:10]).t(")").nl()
    for _ in range(d.rng.randint(2, 5)):
        d.t(d.pick(["- ", "* ", "• "])).t(d.any(["Fixed crash when ", "Improved speed of ", "Added support for ", "Deprecated "]))
        d.t(d.any(["exporting reports", "large uploads", "dark mode", "the legacy API", "ARM builds"])).t(" (").raw(x.ticket()).t(", ").raw(x.commit()).t(")").nl()
    d.t("Upgrade from ").raw(x.version()).t(" is automatic.").nl()


@kind("recipe", "no personal data")
def recipe(d: Doc, v: Values, x: Lookalikes) -> None:
    d.t(d.pick(["Lemon pasta", "Tomato soup", "Banana bread", "Chickpea curry", "Apple crumble"])).t(d.pick(["", " (serves 4)", " recipe"])).nl(2)
    d.t(d.pick(["Ingredients", "You need", "INGREDIENTS"])).t(":").nl()
    for _ in range(d.rng.randint(3, 6)):
        d.t("- ").raw(str(d.rng.randint(1, 500))).t(d.any([" g ", " ml ", " tbsp ", " cups "])).t(d.any(["flour", "sugar", "olive oil", "onions", "butter", "rice", "garlic"])).nl()
    d.t("Bake at ").raw(str(d.rng.choice([160, 180, 200, 220]))).t(" C for ").raw(str(d.rng.randint(10, 60))).t(d.pick([" minutes.", " min.", " mins, then rest."])).nl()


@kind("company_news", "no personal data")
def company_news(d: Doc, v: Values, x: Lookalikes) -> None:
    company = x.public_company()
    d.raw(company).t(d.pick([" announces ", " reports ", " unveils "])).t(d.any(["record quarterly revenue", "a new data centre", "its next-generation chip", "a partnership"])).nl(2)
    d.t("The company said revenue rose ").raw(str(d.rng.randint(2, 40))).t(" percent, while rival ").raw(x.public_company()).t(" cut its outlook.").nl()
    d.t("Shares closed at ").raw(x.amount()).t(". The ").raw(x.product()).t(" line ships in Q").raw(str(d.rng.randint(1, 4))).t(".").nl()
