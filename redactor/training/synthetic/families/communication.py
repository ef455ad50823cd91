"""Customer communication: support e-mails and chats, social posts, CRM exports."""

from __future__ import annotations

from redactor.training.synthetic.builder import Doc
from redactor.training.synthetic.families import kind
from redactor.training.synthetic.families.common import address, greeting, signoff
from redactor.training.synthetic.lookalikes import Lookalikes
from redactor.training.synthetic.values import Values


@kind("support_email", "customer communication")
def support_email(d: Doc, v: Values, x: Lookalikes) -> None:
    customer, agent = v.person(), v.first_name()
    d.t("From: ").v("person", customer).t(" <").v("email", v.email(customer)).t(">").nl()
    d.t("Subject: ").t(d.any(["Order ", "Re: order ", "Problem with order "])).raw(x.order_number()).nl(2)
    greeting(d, agent)
    d.t(d.pick(["my order ", "the parcel for order ", "I ordered "])).raw(x.sku()).t(" never arrived at ")
    address(d, v, multiline=False)
    d.t(". ").t(d.pick(["Please call me on ", "My number is ", "Reach me at "])).v("phone_number", v.phone()).t(".").nl()
    if d.chance(0.4):
        d.t("My customer number is ").v("account_number", v.account()).t(" and the card ending was charged twice: ").v("credit_card_number", v.credit_card()).t(".").nl()
    if d.chance(0.3):
        d.t("Login: ").v("username", v.username()).t(", password ").v("password", v.password()).t(" (please reset it)").nl()
    if d.chance(0.3):
        d.t("Firmware ").raw(x.version()).t(" on device serial ").v("device_id", v.device()).t(" still crashes.").nl()
    signoff(d, customer)


@kind("support_chat", "customer communication")
def support_chat(d: Doc, v: Values, x: Lookalikes) -> None:
    agent, customer = v.first_name(), v.person()
    a_tag, c_tag = d.pick([("Agent", "Customer"), ("Support", "Visitor"), ("bot", "user")])
    stamp = d.pick([True, False])

    def line(who: str) -> None:
        if stamp:
            d.raw("[" + x.timestamp()[11:19] + "] ")
        d.t(who + d.pick([": ", ":", " > "]))

    line(a_tag); d.t("hi, I'm ").v("person", agent).t(d.any([", how can I help?", ". what's up?"])).nl()
    line(c_tag); d.t(d.any(["my name is ", "this is ", "it's "])).v("person", customer).t(d.any([" and ", ", "])).t("my ")
    d.t(d.any(["account ", "login "])).t("is ").v("username", v.username()).nl()
    line(a_tag); d.t("can you confirm the date of birth and postcode?").nl()
    line(c_tag); d.v("date", v.birth_date()).t(d.any([", ", " and ", " / "])).v("zip_code", v.zip_code()).nl()
    line(a_tag); d.t("thanks, ticket ").raw(x.ticket()).t(" opened.").nl()
    if d.chance(0.4):
        line(c_tag); d.t("also update my email to ").v("email", v.email(customer)).t(" pls").nl()
    if d.chance(0.3):
        line(c_tag); d.t("my ip is ").v("ip_address", v.ip()).t(" if that helps").nl()
    if d.held_out_allowed and d.chance(0.3):
        line(c_tag); d.t("refund to my wallet ").v("crypto_wallet", v.crypto()).nl()


@kind("social_post", "customer communication")
def social_post(d: Doc, v: Values, x: Lookalikes) -> None:
    d.v("username", v.handle()).t(d.pick([" · ", " ", " - "])).raw(d.any(["2h", "5m", "1d", "Mar 3"])).nl()
    r = d.rng.random()
    if r < 0.25:
        d.t("so proud to join the ").v("political_opinion", v.politics()).t(" campaign in ").v("city", v.city()).t("! ").raw(d.any(["#vote", "#politics", ""])).nl()
    elif r < 0.45:
        d.t("finally came out as ").v("sexual_orientation", v.orientation()).t(" to my family ").raw(d.any(["❤️", "🏳️‍🌈", ""])).nl()
    elif r < 0.65:
        d.t("day 3 on ").v("medication", v.medication()).t(" for my ").v("health_condition", v.condition()).t(", feeling ").t(d.any(["better", "awful", "meh"])).nl()
    elif r < 0.8:
        d.t("proud ").v("religion", v.religion()).t(" and ").v("trade_union", v.union()).t(" member, on strike today").nl()
    else:
        d.t("happy birthday to my sister ").v("person", v.first_name()).t(" ").v("username", v.handle()).t(", ").v("age", str(d.rng.randint(16, 60))).t(" today!").nl()
    if d.chance(0.3):
        d.t("shop link: ").raw(x.product()).t(" ").raw(x.sku()).nl()
    if d.chance(0.3):
        d.t("more on my blog ").v("url", v.url()).nl()


@kind("crm_export", "customer communication")
def crm_export(d: Doc, v: Values, x: Lookalikes) -> None:
    d.t(d.pick(["CRM export", "Contact record", "Lead", "Customer profile"])).t(" ").raw(x.request_id()).nl()
    name = v.person()
    d.field(["Contact", "Full name", "Name"], "person", name)
    d.field(["Company", "Account", "Organisation"], "organization", v.organization())
    d.field(["Email", "Work email"], "email", v.email(name))
    d.field(["Phone", "Direct line"], "phone_number", v.phone())
    if d.chance(0.4):
        d.field(["Fax"], "fax_number", v.phone())
    d.t(d.key(["Address", "Billing address"]) + d.sep)
    address(d, v)
    d.nl()
    d.field(["Customer ID", "CRM ID", "Client ref"], "other_id", v.other_id())
    d.field(["Last contact", "Last activity"], "date", v.recent_date())
    d.field(["Profile", "Website", "LinkedIn"], "url", v.url())
    d.field(["Lead source", "Source"], None, d.any(["webinar", "trade fair", "referral", "newsletter"]))
    if d.chance(0.2):
        d.field(["Notes"], "political_opinion", v.politics())
