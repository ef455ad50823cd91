"""Health documents: clinical notes, discharge summaries, labs, prescriptions, claims, portal messages."""

from __future__ import annotations

from redactor.training.synthetic.builder import Doc
from redactor.training.synthetic.families import kind
from redactor.training.synthetic.families.common import address, signoff
from redactor.training.synthetic.lookalikes import Lookalikes
from redactor.training.synthetic.values import Values


def _patient_header(d: Doc, v: Values, name: str) -> None:
    d.field(["Patient", "Patient Name", "Name", "Pt"], "person", name)
    d.field(["DOB", "Date of Birth", "D.O.B.", "Born"], "date", v.birth_date())
    d.field(["MRN", "Medical Record No.", "Chart #", "Patient ID", "Hospital No"], "medical_record_number", v.mrn())


@kind("clinical_note", "health")
def clinical_note(d: Doc, v: Values, x: Lookalikes) -> None:
    name = v.person()
    if d.pick([True, False]):
        _patient_header(d, v, name)
        d.nl()
    d.t(d.pick(["HPI: ", "History: ", "S: ", "Subjective - ", "Presenting complaint: "]))
    d.v("person", name if d.chance(0.5) else v.last_name()).t(" is a ").v("age", v.age())
    d.t(d.pick([" years old ", " year old ", " y/o ", " yrs old "])).t(d.any(["man", "woman", "patient", "male", "female"]))
    d.t(d.pick([" with a history of ", " with known ", ", PMH of "])).v("health_condition", v.condition())
    d.t(" and ").v("health_condition", v.condition()).t(", admitted to ").raw(x.ward()).t(" via ").raw(x.abbreviation()).t(".").nl()
    d.t("Obs: ").raw(x.score()).t(", ").raw(x.score()).t(". ").raw(x.lab_line()).t(".").nl()
    d.t(d.pick(["Meds: ", "Current medications: ", "Rx: "])).v("medication", v.medication()).t(" ").raw(x.dose())
    d.t(" ").raw(x.abbreviation()).t(", ").v("medication", v.medication()).t(" ").raw(x.dose()).nl()
    if d.chance(0.4):
        d.t("Social: lives with ").t(d.any(["wife ", "husband ", "partner ", "daughter ", "son "])).v("person", v.first_name())
        d.t(" at ").v("street_address", v.street()).t(", ").v("city", v.city()).t(". ").nl()
    if d.chance(0.3):
        d.t("Family hx: mother with ").v("health_condition", v.condition()).t("; genetic testing: ").v("genetic_data", v.genetic()).t(".").nl()
    if d.chance(0.3):
        d.t(d.pick(["Religion: ", "Faith: "])).v("religion", v.religion()).t(d.pick(["; declines blood products.", "; chaplain requested.", "."])).nl()
    if d.chance(0.4):
        d.t("Sexual history: identifies as ").v("sexual_orientation", v.orientation()).t(", one partner.").nl()
    if d.chance(0.3):  # identifiers written into the prose, not only in header fields
        d.t(d.pick(["Contact: ", "Reachable via ", "Details on file: "])).v("email", v.email())
        d.t(d.pick([", SSN ", "; SSN: ", ", social security number ", ", SS# "])).v("ssn", v.ssn())
        d.t(d.pick([", DOB ", "; born ", ", date of birth "])).v("date", v.birth_date()).t(".").nl()
    if d.chance(0.25):
        d.t("Pacemaker serial ").v("device_id", v.device()).t(" checked, fingerprint enrolment ").v("biometric_id", v.biometric()).t(".").nl()
    d.t(d.pick(["Plan: ", "A/P: ", "Assessment and plan: "])).t("review in clinic on ").v("date", v.recent_date())
    d.t(" with Dr. ").v("person", v.last_name()).t(" at ").v("organization", v.hospital()).t(".").nl()


@kind("discharge_summary", "health")
def discharge_summary(d: Doc, v: Values, x: Lookalikes) -> None:
    d.t(d.pick(["DISCHARGE SUMMARY", "Discharge Summary", "Discharge letter", "Hospital discharge"])).nl(2)
    name = v.person()
    _patient_header(d, v, name)
    d.field(["Admitted", "Admission Date", "Date of admission"], "date", v.recent_date())
    d.field(["Discharged", "Discharge Date", "Date of discharge"], "date", v.recent_date())
    d.field(["Ward", "Unit"], None, x.ward())
    d.field(["Insurance", "Health plan ID", "Member ID"], "health_plan_number", v.health_plan())
    d.t(d.pick(["Diagnosis", "Principal diagnosis", "Dx"])).t(d.sep).v("health_condition", v.condition()).nl()
    d.t(d.pick(["Discharge medications", "Meds on discharge", "TTO"])).t(d.sep).v("medication", v.medication())
    d.t(" ").raw(x.dose()).t(" ").raw(x.abbreviation()).t("; ").v("medication", v.medication()).t(" ").raw(x.dose()).nl()
    d.t("Labs: ").raw(x.lab_line()).t(", ").raw(x.lab_line()).nl()
    d.t("Discharged home to ")
    address(d, v, multiline=False)
    d.t(" with ").t(d.any(["daughter ", "spouse ", "carer "])).v("person", v.person()).t(" (").v("phone_number", v.phone()).t(").").nl()
    d.t("GP: Dr. ").v("person", v.last_name()).t(", fax ").v("fax_number", v.phone()).nl()
    if d.held_out_allowed and d.chance(0.4):
        d.field(["Nationality", "Citizenship"], "nationality", v.nationality())


@kind("lab_report", "health")
def lab_report(d: Doc, v: Values, x: Lookalikes) -> None:
    d.v("organization", v.hospital()).t(d.pick([" - Laboratory Report", " Pathology", " | Lab results"])).nl()
    d.t(d.pick(["Specimen", "Accession", "Sample ID"])).t(d.sep).raw(x.order_number()).nl()
    _patient_header(d, v, v.person())
    d.field(["Collected", "Collection date", "Sampled"], "date", v.recent_date())
    d.field(["Ordering physician", "Requested by", "Clinician"], "person", v.person())
    for _ in range(d.rng.randint(2, 5)):
        d.raw(x.lab_line()).t(d.any(["  (H)", "", "  ref 3.5-5.0", "  L"])).nl()
    if d.chance(0.5):
        d.t(d.pick(["Genetic panel", "Molecular result", "Genotype"])).t(d.sep).v("genetic_data", v.genetic()).nl()
    d.t(d.pick(["Comment", "Interpretation", "Note"])).t(d.sep).t("consistent with ").v("health_condition", v.condition()).t(".").nl()


@kind("prescription", "health")
def prescription(d: Doc, v: Values, x: Lookalikes) -> None:
    d.t(d.pick(["Rx", "PRESCRIPTION", "e-Prescription", "Prescription form"])).nl()
    d.field(["Prescriber", "Physician", "Doctor"], "person", v.person())
    d.field(["License #", "DEA/License", "Prescriber licence"], "license_number", v.license())
    d.field(["Patient", "For", "Name"], "person", v.person())
    d.t(d.key(["Address", "Home address", "Addr"]) + d.sep)
    address(d, v)
    d.nl()
    d.field(["DOB", "Date of birth"], "date", v.birth_date())
    d.t(d.pick(["Drug", "Medication", "Sig"])).t(d.sep).v("medication", v.medication()).t(" ").raw(x.dose()).t(" ").raw(x.abbreviation())
    d.t(d.any([" x 30 days", " #60", ", 2 refills", ""])).nl()
    d.t("Indication: ").v("health_condition", v.condition()).nl()
    d.field(["Date", "Issued", "Written"], "date", v.recent_date())


@kind("insurance_claim", "health")
def insurance_claim(d: Doc, v: Values, x: Lookalikes) -> None:
    d.t(d.pick(["CLAIM FORM", "Health Insurance Claim", "Claim submission", "CMS-1500 (summary)"])).nl()
    d.field(["Claim no.", "Claim reference", "Claim #"], None, x.order_number())
    d.field(["Insured", "Member name", "Subscriber"], "person", v.person())
    d.field(["Member ID", "Policy number", "Beneficiary no."], "health_plan_number", v.health_plan())
    d.field(["SSN", "Subscriber SSN", "Social Security No"], "ssn", v.ssn())
    d.field(["Date of birth", "DOB"], "date", v.birth_date())
    d.t(d.key(["Address", "Mailing address"]) + d.sep)
    address(d, v, county=d.chance(0.3))
    d.nl()
    d.field(["Provider", "Facility", "Billing provider"], "organization", v.hospital())
    d.field(["Date of service", "DOS", "Service date"], "date", v.recent_date())
    d.field(["Diagnosis", "ICD description", "Condition"], "health_condition", v.condition())
    d.field(["Amount", "Total charge", "Billed"], None, x.amount())
    if d.chance(0.4):
        d.field(["Pay to account", "Bank account", "Refund account"], "account_number", v.account())


@kind("patient_portal_message", "health")
def patient_portal_message(d: Doc, v: Values, x: Lookalikes) -> None:
    doctor, patient = v.last_name(), v.person()
    d.t(d.pick(["Subject: ", "Re: ", "Message: "])).t(d.any(["question about my meds", "test results", "appointment", "refill"])).nl(2)
    d.t(d.pick(["Dear Dr. ", "Hi Dr. ", "Hello Dr. "])).v("person", doctor).t(",").nl(2)
    d.t(d.pick(["my ", "My "])).t(d.any(["", "new "])).t("prescription for ").v("medication", v.medication())
    d.t(" is making my ").v("health_condition", v.condition()).t(d.pick([" worse. ", " hard to manage. ", " flare up. "]))
    d.t("Could we move my appointment on ").v("date", v.recent_date()).t("? ").t("You can call me on ").v("phone_number", v.phone())
    d.t(" or write to ").v("email", v.email(patient)).t(" .").nl()
    if d.chance(0.3):
        d.t("I am ").v("age", v.age()).t(" years old and ").v("religion", v.religion()).t(", so please no pork-based gelatin capsules.").nl()
    if d.chance(0.25):
        d.t("My partner and I are ").v("sexual_orientation", v.orientation()).t(" and want to discuss PrEP.").nl()
    if d.held_out_allowed and d.chance(0.3):
        d.t("I am ").v("nationality", v.nationality()).t(" and my insurance is from abroad.").nl()
    d.t("My portal login is ").v("username", v.username()).t(" and patient number ").v("medical_record_number", v.mrn()).t(".").nl()
    signoff(d, patient)
