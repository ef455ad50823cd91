"""Employment and education records: HR files, CVs, payroll, school records."""

from __future__ import annotations

from redactor.training.synthetic.builder import Doc
from redactor.training.synthetic.families import kind
from redactor.training.synthetic.families.common import address
from redactor.training.synthetic.lookalikes import Lookalikes
from redactor.training.synthetic.values import Values


@kind("hr_record", "employment")
def hr_record(d: Doc, v: Values, x: Lookalikes) -> None:
    d.t(d.pick(["EMPLOYEE RECORD", "Personnel file", "HR profile", "Staff record"])).nl()
    d.field(["Employee", "Name", "Employee name"], "person", v.person())
    d.field(["Employee ID", "Staff no.", "Personnel number"], "other_id", v.other_id())
    d.field(["Employer", "Company", "Legal entity"], "organization", v.organization())
    d.field(["Date of birth", "DOB", "Birthday"], "date", v.birth_date())
    d.field(["National ID", "Tax ID", "ID number"], "national_id", v.national_id())
    if v.locale == "en_US" or d.chance(0.2):
        d.field(["SSN", "Social Security Number"], "ssn", v.ssn())
    d.t(d.key(["Home address", "Address", "Residence"]) + d.sep)
    address(d, v, county=d.chance(0.2))
    d.nl()
    d.field(["Start date", "Hired", "Joined"], "date", v.recent_date())
    if d.chance(0.5):
        d.field(["Union", "Trade union", "Union membership"], "trade_union", v.union())
    if d.chance(0.3):
        d.field(["Ethnicity (equal opportunities)", "Ethnic origin", "EEO category"], "ethnic_origin", v.ethnicity())
    if d.chance(0.3):
        d.t("Occupational health: ").v("health_condition", v.condition()).t(", adjustments agreed.").nl()
    if d.chance(0.3):
        d.field(["Badge fingerprint template", "Biometric ID", "Face template"], "biometric_id", v.biometric())
    if d.chance(0.3):
        d.field(["Company car", "Vehicle", "Parking permit plate"], "vehicle_id", v.vehicle())
    if d.held_out_allowed and d.chance(0.5):
        d.field(["Nationality", "Citizenship"], "nationality", v.nationality())
    d.field(["Emergency contact", "Next of kin"], "person", v.person())
    d.field(["Emergency phone", "NOK phone"], "phone_number", v.phone())


@kind("cv", "employment")
def cv(d: Doc, v: Values, x: Lookalikes) -> None:
    name = v.person()
    d.v("person", name).nl()
    d.v("street_address", v.street()).t(" · ").v("city", v.city()).t(" · ").v("phone_number", v.phone()).nl()
    d.v("email", v.email(name)).t(d.pick([" | ", " · ", "  "])).v("url", v.url()).nl(2)
    d.t(d.pick(["EXPERIENCE", "Work experience", "Professional Experience", "Career"])).nl()
    for _ in range(d.rng.randint(1, 3)):
        d.v("organization", v.organization()).t(d.pick([", ", " - ", " — "]))
        d.t(d.any(["Software Engineer", "Nurse", "Accountant", "Sales Manager", "Teacher", "Data Analyst"]))
        d.t(" (").raw(str(d.rng.randint(2005, 2020))).t("–").raw(str(d.rng.randint(2021, 2025))).t(")").nl()
        d.t(d.any(["Built ", "Led ", "Maintained "])).raw(x.product()).t(" ").raw(x.version()).t(d.any([" releases.", " migration.", " rollout."])).nl()
    d.nl().t(d.pick(["EDUCATION", "Education"])).nl().v("organization", v.school()).nl()
    d.t(d.pick(["Personal", "Other", "Details"])).t(d.sep).t("born ").v("date", v.birth_date())
    if d.chance(0.4):
        d.t(", volunteer for the ").v("political_opinion", v.politics())
    if d.held_out_allowed and d.chance(0.4):
        d.t(", ").v("nationality", v.nationality()).t(" citizen")
    d.t(".").nl()
    if d.chance(0.4):
        d.t("Driving licence: ").v("license_number", v.license()).nl()


@kind("payroll", "employment")
def payroll(d: Doc, v: Values, x: Lookalikes) -> None:
    d.v("organization", v.organization()).t(d.pick([" — Payslip", " PAYROLL STATEMENT", " | Salary slip"])).nl()
    d.field(["Period", "Pay period"], None, x.timestamp()[:7])
    d.field(["Employee", "Payee", "Name"], "person", v.person())
    d.field(["Employee no.", "Payroll ID", "Emp ID"], "other_id", v.other_id())
    d.field(["Tax ID", "NI number", "National ID", "Tax code ID"], "national_id", v.national_id())
    d.field(["IBAN", "Paid to", "Bank account (IBAN)"], "iban", v.iban())
    d.field(["Gross", "Gross pay"], None, x.amount())
    d.field(["Net", "Net pay"], None, x.amount())
    if d.chance(0.5):
        d.t(d.pick(["Union dues", "Deduction"])).t(" (").v("trade_union", v.union()).t(")").t(d.sep).raw(x.amount()).nl()
    if d.chance(0.3):
        d.t("Church tax (").v("religion", v.religion()).t(")").t(d.sep).raw(x.amount()).nl()
    d.field(["Payment date", "Paid on"], "date", v.recent_date())


@kind("school_record", "employment")
def school_record(d: Doc, v: Values, x: Lookalikes) -> None:
    d.v("organization", v.school()).t(d.pick([" - Student Record", " Report Card", " | Enrolment"])).nl()
    d.field(["Student", "Pupil", "Student name"], "person", v.person())
    d.field(["Student ID", "Pupil number", "Learner ID"], "other_id", v.other_id())
    d.field(["DOB", "Date of birth"], "date", v.birth_date())
    d.field(["Age", "Age (years)"], "age", str(d.rng.randint(5, 19)))
    d.field(["Parent/guardian", "Guardian", "Parent"], "person", v.person())
    d.field(["Guardian email", "Parent email", "Contact email"], "email", v.email())
    d.t(d.key(["Home address", "Address"]) + d.sep)
    address(d, v)
    d.nl()
    d.t(d.pick(["Grades", "Results"])).t(d.sep).t("Maths B+, English A, Science ").raw(d.any(["A-", "B", "C+"])).nl()
    if d.chance(0.4):
        d.t("SEN notes: ").v("health_condition", v.condition()).t("; ").v("medication", v.medication()).t(" at lunch.").nl()
    if d.chance(0.3):
        d.t("Ethnicity: ").v("ethnic_origin", v.ethnicity()).t(". Religious education opt-out: ").v("religion", v.religion()).nl()
