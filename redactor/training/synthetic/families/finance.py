"""Finance documents: invoices, bank statements, loan applications, CSV transaction rows."""

from __future__ import annotations

from redactor.training.synthetic.builder import Doc
from redactor.training.synthetic.families import kind
from redactor.training.synthetic.families.common import address
from redactor.training.synthetic.lookalikes import Lookalikes
from redactor.training.synthetic.values import Values


@kind("invoice", "finance")
def invoice(d: Doc, v: Values, x: Lookalikes) -> None:
    d.t(d.pick(["INVOICE", "Invoice", "Tax invoice", "Rechnung / Invoice"])).t(" ").raw(x.order_number()).nl()
    d.t(d.pick(["From", "Seller", "Supplier"])).t(d.sep).raw(x.public_company() if d.chance(0.5) else "Northwind Supplies Ltd").nl()
    d.t(d.pick(["Bill to", "Customer", "Invoice to"])).t(d.sep).v("person", v.person()).nl()
    address(d, v, multiline=True)
    d.nl()
    d.field(["Customer no.", "Account", "Customer account"], "account_number", v.account())
    d.field(["Invoice date", "Date"], None, x.timestamp()[:10])
    for _ in range(d.rng.randint(1, 4)):
        d.raw(x.sku()).t("  ").raw(x.product()).t("  ").raw(str(d.rng.randint(1, 9))).t(" x ").raw(x.amount()).nl()
    d.t(d.pick(["Total", "Amount due", "TOTAL"])).t(d.sep).raw(x.amount()).nl()
    if d.chance(0.5):
        d.t("Paid by card ").v("credit_card_number", v.credit_card()).t(" on ").v("date", v.recent_date()).nl()
    else:
        d.t("Pay to IBAN ").raw("DE02 1203 0000 0000 2020 51" if d.chance(0.3) else "our account").t(", reference ").raw(x.order_number()).nl()


@kind("bank_statement", "finance")
def bank_statement(d: Doc, v: Values, x: Lookalikes) -> None:
    d.v("organization", v.organization() + d.any([" Bank", " Bank plc", " Sparkasse", ""]))
    d.t(d.pick([" - Account statement", " STATEMENT", " | Monthly statement"])).nl()
    d.field(["Account holder", "Name", "Customer"], "person", v.person())
    address(d, v, multiline=d.pick([True, False]))
    d.nl()
    d.field(["IBAN", "Account IBAN"], "iban", v.iban())
    d.field(["Account number", "Acct no.", "Account"], "account_number", v.account())
    for _ in range(d.rng.randint(2, 5)):
        d.raw(x.timestamp()[:10]).t("  ").t(d.any(["CARD PAYMENT ", "SEPA TRANSFER ", "DIRECT DEBIT ", "ATM "]))
        d.raw(x.public_company().upper()).t("  ").raw(x.amount()).nl()
    if d.chance(0.5):
        d.t("Transfer to ").v("person", v.person()).t(" ").v("iban", v.iban()).t(" ").raw(x.amount()).nl()
    if d.held_out_allowed and d.chance(0.4):
        d.t("Crypto purchase, wallet ").v("crypto_wallet", v.crypto()).t(" ").raw(x.amount()).nl()
    d.field(["Statement date", "Issued"], "date", v.recent_date())


@kind("loan_application", "finance")
def loan_application(d: Doc, v: Values, x: Lookalikes) -> None:
    d.t(d.pick(["LOAN APPLICATION", "Mortgage application", "Credit application form"])).nl()
    d.field(["Applicant", "Borrower", "Name"], "person", v.person())
    d.field(["Date of birth", "DOB"], "date", v.birth_date())
    d.field(["Age", "Applicant age"], "age", str(d.rng.randint(18, 80)))
    if v.locale == "en_US":  # the key names the type: an "SSN" line never holds another ID
        d.field(["SSN", "Social Security No.", "Social Security Number"], "ssn", v.ssn())
    else:
        d.field(["National ID", "Tax ID", "ID card no."], "national_id", v.national_id())
    d.field(["Passport", "Passport no.", "ID document"], "passport_number", v.passport())
    d.t(d.key(["Current address", "Address"]) + d.sep)
    address(d, v, county=d.chance(0.3))
    d.nl()
    d.field(["Employer", "Employed by"], "organization", v.organization())
    d.field(["Mobile", "Phone"], "phone_number", v.phone())
    d.field(["Email"], "email", v.email())
    d.field(["Existing account", "Current bank account"], "account_number", v.account())
    d.field(["Card on file", "Credit card"], "credit_card_number", v.credit_card())
    if d.chance(0.5):
        d.field(["Vehicle (collateral)", "Collateral VIN", "Car registration"], "vehicle_id", v.vehicle())
    d.field(["Amount requested", "Loan amount"], None, x.amount())
    d.field(["Application ref", "Reference"], None, x.order_number())


@kind("csv_rows", "finance")
def csv_rows(d: Doc, v: Values, x: Lookalikes) -> None:
    """Transaction export: values never touch a quote-eating URL, so every cell is its own word."""
    delim = d.pick([",", ";", "\t", "|"])
    header = d.pick([["txn_id", "date", "name", "iban", "amount", "sku"],
                     ["id", "booked", "customer", "account", "value", "item"]])
    d.raw(delim.join(header)).nl()
    for _ in range(d.rng.randint(2, 6)):
        d.raw(x.order_number()).raw(delim).raw(x.timestamp()[:10]).raw(delim)
        name = v.person().replace(",", "")
        d.v("person", name).raw(delim)
        if header[3] == "iban":
            d.v("iban", v.iban().replace(" ", ""))
        else:
            d.v("account_number", v.account())
        d.raw(delim).raw(x.amount().replace(",", "")).raw(delim).raw(x.sku()).nl()
