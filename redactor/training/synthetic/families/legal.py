"""Legal documents: contracts, court records, police reports."""

from __future__ import annotations

from redactor.training.synthetic.builder import Doc
from redactor.training.synthetic.families import kind
from redactor.training.synthetic.families.common import address
from redactor.training.synthetic.lookalikes import Lookalikes
from redactor.training.synthetic.values import Values


@kind("contract", "legal")
def contract(d: Doc, v: Values, x: Lookalikes) -> None:
    d.t(d.pick(["TENANCY AGREEMENT", "Employment Contract", "SERVICE AGREEMENT", "Contract of sale"])).nl(2)
    d.t(d.pick(["This agreement is made on ", "Dated ", "Entered into on "])).v("date", v.recent_date()).t(" between ")
    d.v("organization", v.organization()).t(d.pick([' ("the Company")', " (the Landlord)", ", hereinafter the Provider,"]))
    d.t(" and ").v("person", v.person()).t(d.pick([", residing at ", " of ", ", domiciled at "]))
    address(d, v, multiline=False)
    d.t(d.pick([" (the Tenant).", " (\"the Client\").", ", hereinafter the Employee."])).nl(2)
    d.t("1. ").t(d.pick(["Term. ", "Duration. "])).t("This agreement starts on ").v("date", v.recent_date()).t(" and is governed by clause ").raw(x.version()[:4].strip(".")).t(".").nl()
    d.t("2. Payment to account ").v("iban", v.iban()).t(" monthly; reference ").raw(x.order_number()).t(".").nl()
    if d.chance(0.4):
        d.t("3. Identity verified by passport ").v("passport_number", v.passport()).t(" and ID ").v("national_id", v.national_id()).t(".").nl()
    d.nl().t("Signed: ").v("person", v.person()).t(d.pick(["   Witness: ", "\nWitness: "])).v("person", v.person()).nl()


@kind("court_report", "legal")
def court_report(d: Doc, v: Values, x: Lookalikes) -> None:
    d.t(d.pick(["IN THE ", "Court record - ", "JUDGMENT OF THE "])).t(d.any(["COUNTY COURT AT ", "District Court of ", "Crown Court at "])).v("city", v.city()).nl()
    d.t(d.pick(["Case No. ", "Docket: ", "Claim number "])).v("other_id", v.other_id()).nl()
    d.v("person", v.person()).t(d.pick([" (Claimant) v. ", " v ", " against "])).v("person", v.person()).t(d.pick([" (Defendant)", "", " (Respondent)"])).nl(2)
    d.t("The defendant, aged ").v("age", v.age()).t(", of ").v("street_address", v.street()).t(", ").v("county", v.county())
    d.t(", was represented by ").v("organization", v.organization()).t(".").nl()
    d.t("Hearing held on ").v("date", v.recent_date()).t(d.pick([". The court notes the defendant's ", ". Evidence was heard regarding the defendant's "]))
    d.v("health_condition", v.condition()).t(".").nl()
    if d.chance(0.4):
        d.t("The claimant alleges dismissal for membership of ").v("trade_union", v.union()).t(" and for being ").v("ethnic_origin", v.ethnicity()).t(".").nl()
    if d.chance(0.3):
        d.t("Exhibit 4: messages sent from ").v("email", v.email()).t(" and ").v("ip_address", v.ip()).t(" .").nl()


@kind("police_report", "legal")
def police_report(d: Doc, v: Values, x: Lookalikes) -> None:
    d.t(d.pick(["INCIDENT REPORT", "Police report", "Crime report", "Statement of witness"])).t(" ").raw(x.ticket()).nl()
    d.field(["Reporting officer", "Officer", "Taken by"], "person", v.person())
    d.field(["Badge no.", "Officer ID", "Collar number"], "other_id", v.other_id())
    d.field(["Subject", "Suspect", "Person involved"], "person", v.person())
    d.field(["DOB", "Date of birth"], "date", v.birth_date())
    d.field(["Driver licence", "DL no.", "Licence"], "license_number", v.license())
    d.field(["Vehicle", "Plate", "VIN"], "vehicle_id", v.vehicle())
    d.t(d.key(["Address", "Last known address"]) + d.sep)
    address(d, v, county=d.chance(0.4))
    d.nl()
    if d.chance(0.4):
        d.field(["Fingerprint ID", "Biometric record", "Face match ID"], "biometric_id", v.biometric())
    if d.chance(0.5):
        d.field(["Ethnicity", "Ethnic appearance"], "ethnic_origin", v.ethnicity())
    if d.held_out_allowed and d.chance(0.4):
        d.field(["Nationality", "Citizenship"], "nationality", v.nationality())
    d.t(d.pick(["Narrative", "Summary", "Details"])).t(d.sep).t("At ").raw(x.timestamp()[11:16]).t(" the subject was stopped near ")
    d.v("street_address", v.street()).t(", ").v("city", v.city()).t(". Phone seized, IMEI ").v("device_id", v.device()).t(". ")
    d.t("Subject stated he is a member of the ").v("political_opinion", v.politics()).t(" and takes ").v("medication", v.medication()).t(".").nl()
