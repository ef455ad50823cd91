"""Faker-backed value makers, one per label, in the document's locale and in many formats.

Why our own formatting on top of Faker: a model that saw every phone number as
Faker's default, or every date as ISO, fails on the first real document.  Every
maker returns a string that is the exact span text; the lists below are our own
small vocabularies (conditions, drugs, beliefs...), written for this project.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import random
import string

from faker import Faker

LOCALES: tuple[str, ...] = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL")
#: English-heavy mix: the backbone is English, but names and formats come from all locales.
LOCALE_WEIGHTS: tuple[float, ...] = (0.3, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1)

#: "Today" for every generated date.  Faker's relative dates read the system clock, so
#: the same seed gave other dates (and other training data) on another day; anchored,
#: a seed gives the same corpus on any day.  The anchor is the day training run 5's data
#: was generated (README, run history), and the two date helpers below reproduce Faker's
#: relative arithmetic from it exactly (``date_between("-6y", "+60d")``,
#: ``date_of_birth(0, 100)``).
ANCHOR = dt.date(2026, 11, 30)

_COUNTRY_CODE = {"en_US": "1", "en_GB": "44", "de_DE": "49", "fr_FR": "33", "es_ES": "34",
                 "it_IT": "39", "nl_NL": "31"}
_MONTHS = {
    "de_DE": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "fr_FR": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "es_ES": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "it_IT": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
    "nl_NL": "januari februari maart april mei juni juli augustus september oktober november december",
}
_EN_MONTHS = "January February March April May June July August September October November December".split()

CONDITIONS = (
    "type 2 diabetes mellitus", "type 1 diabetes", "hypertension", "essential hypertension", "asthma",
    "COPD", "major depressive disorder", "generalized anxiety disorder", "bipolar disorder",
    "schizophrenia", "HIV infection", "hepatitis C", "chronic kidney disease stage 3", "atrial fibrillation",
    "congestive heart failure", "rheumatoid arthritis", "multiple sclerosis", "epilepsy", "migraine",
    "breast cancer", "prostate cancer", "non-Hodgkin lymphoma", "Crohn's disease", "ulcerative colitis",
    "hypothyroidism", "osteoporosis", "Parkinson's disease", "early-onset Alzheimer's disease",
    "alcohol use disorder", "opioid dependence", "anorexia nervosa", "PTSD", "ADHD", "autism spectrum disorder",
    "pneumonia", "sepsis", "deep vein thrombosis", "gestational diabetes", "celiac disease", "psoriasis",
    "long COVID", "sleep apnea", "chronic back pain", "glaucoma", "tuberculosis",
)
MEDICATIONS = (
    "metformin", "lisinopril", "atorvastatin", "amlodipine", "levothyroxine", "omeprazole", "sertraline",
    "fluoxetine", "escitalopram", "quetiapine", "lithium carbonate", "insulin glargine", "salbutamol",
    "tiotropium", "apixaban", "warfarin", "methotrexate", "adalimumab", "prednisolone", "tamoxifen",
    "levetiracetam", "sumatriptan", "buprenorphine", "methadone", "naltrexone", "tenofovir/emtricitabine",
    "dolutegravir", "sofosbuvir", "ibuprofen", "paracetamol", "amoxicillin", "doxycycline", "furosemide",
    "bisoprolol", "ramipril", "pantoprazole", "gabapentin", "pregabalin", "methylphenidate", "donepezil",
)
ETHNICITIES = (
    "Hispanic or Latino", "Black or African American", "White", "Asian", "South Asian", "East Asian",
    "Native American", "Pacific Islander", "Black British", "White British", "Mixed White and Black Caribbean",
    "Arab", "Roma", "Kurdish", "Turkish", "Afro-Caribbean", "Bangladeshi", "Pakistani", "Han Chinese",
    "Maghrebi", "Sinti", "Indigenous Australian", "Latina", "Ashkenazi Jewish",
)
POLITICS = (
    "Labour Party", "Conservative Party", "Green Party", "Liberal Democrats", "Democratic Party",
    "Republican Party", "SPD", "CDU", "Die Linke", "La France insoumise", "Partido Popular", "PSOE",
    "Podemos", "Partito Democratico", "Lega", "VVD", "GroenLinks", "socialist", "libertarian",
    "far-right", "left-wing", "conservative", "anarchist", "communist", "pro-independence",
)
RELIGIONS = (
    "Catholic", "Roman Catholic", "Protestant", "Evangelical Christian", "Muslim", "Sunni Muslim",
    "Shia Muslim", "Jewish", "Orthodox Jewish", "Hindu", "Buddhist", "Sikh", "Jehovah's Witness",
    "Mormon", "Greek Orthodox", "atheist", "agnostic", "Quaker", "Baptist", "Methodist", "Anglican",
)
UNIONS = (
    "Unite", "UNISON", "GMB", "Royal College of Nursing", "ver.di", "IG Metall", "GEW", "CGT", "CFDT",
    "Force Ouvrière", "CCOO", "UGT", "CGIL", "CISL", "FNV", "CNV", "Teamsters", "SEIU", "AFL-CIO",
    "United Auto Workers", "National Education Association", "American Federation of Teachers",
)
GENETICS = (
    "BRCA1 c.68_69delAG", "BRCA2 pathogenic variant", "HLA-B*57:01 positive", "APOE ε4/ε4",
    "Factor V Leiden heterozygous", "CFTR F508del homozygous", "HFE C282Y homozygous",
    "MTHFR C677T heterozygous", "Lynch syndrome MLH1 variant", "trisomy 21", "47,XXY karyotype",
    "CYP2C19 poor metabolizer", "TP53 germline mutation", "HTT CAG repeat expansion (42 repeats)",
    "sickle cell trait (HbAS)", "G6PD deficiency", "BRCA1 positive", "FMR1 premutation",
)
ORIENTATIONS = ("gay", "lesbian", "bisexual", "heterosexual", "straight", "asexual", "pansexual",
                "queer", "homosexual")
NATIONALITIES = ("German", "French", "Spanish", "Italian", "Dutch", "British", "American", "Polish",
                 "Romanian", "Syrian", "Nigerian", "Indian", "Brazilian", "Ukrainian", "Moroccan",
                 "Turkish", "Chinese", "Irish", "Portuguese", "Canadian")
_HOSPITAL_FORMS = ("{city} General Hospital", "St. {last} Hospital", "{last} Medical Center",
                   "{city} University Hospital", "{city} Community Clinic", "Klinikum {city}",
                   "Hôpital {last}", "{last} Family Practice", "{city} Children's Hospital")
_SCHOOL_FORMS = ("{city} High School", "{last} Elementary School", "{city} Academy", "Gymnasium {city}",
                 "Lycée {last}", "{last} Middle School", "University of {city}", "{city} Community College")
_US_COUNTIES = ("Cook", "Harris", "Maricopa", "King", "Orange", "Kings", "Dallas", "Wayne", "Travis",
                "Fulton", "Cuyahoga", "Hennepin", "Jefferson", "Franklin", "Washington", "Lake", "Marion")


class Values:
    """Value makers for one document: a seeded Faker in one locale plus our own formats."""

    def __init__(self, fake: Faker, rng: random.Random, locale: str) -> None:
        self.fake = fake
        self.rng = rng
        self.locale = locale

    def _any(self, options: tuple[str, ...] | list[str]) -> str:
        return options[self.rng.randrange(len(options))]

    def _digits(self, n: int) -> str:
        return "".join(self.rng.choice(string.digits) for _ in range(n))

    def _alnum(self, n: int, alphabet: str = string.ascii_uppercase + string.digits) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    # -- people and organisations ---------------------------------------------
    def person(self) -> str:
        """Full name, sometimes ``Last, First``, initials or upper case (as in forms)."""
        first, last = self.fake.first_name(), self.fake.last_name()
        r = self.rng.random()
        if r < 0.55:
            return f"{first} {last}"
        if r < 0.7:
            return f"{last}, {first}"
        if r < 0.8:
            return f"{first[0]}. {last}"
        if r < 0.9:
            return f"{first} {last}".upper()
        return f"{first} {self.fake.first_name()[0]}. {last}"

    def first_name(self) -> str:
        return self.fake.first_name()

    def last_name(self) -> str:
        return self.fake.last_name()

    def organization(self) -> str:
        return self.fake.company()

    def hospital(self) -> str:
        return self._any(_HOSPITAL_FORMS).format(city=self.fake.city(), last=self.fake.last_name())

    def school(self) -> str:
        return self._any(_SCHOOL_FORMS).format(city=self.fake.city(), last=self.fake.last_name())

    # -- geography --------------------------------------------------------------
    def street(self) -> str:
        street = self.fake.street_address()
        if self.locale == "fr_FR" and not street[:1].isdigit():
            street = f"{self.rng.randint(1, 180)} {street}"
        return street

    def city(self) -> str:
        return self.fake.city()

    def zip_code(self) -> str:
        return self.fake.postcode()

    def county(self) -> str:
        city = self.fake.city()
        forms = {"en_US": [f"{self._any(_US_COUNTIES)} County", f"{city} County"],
                 "en_GB": [self.fake.county()] if hasattr(self.fake, "county") else [f"{city}shire"],
                 "de_DE": [f"Landkreis {city}", f"Kreis {city}"],
                 "fr_FR": [f"Arrondissement de {city}"], "es_ES": [f"Comarca de {city}"],
                 "it_IT": [f"Provincia di {city}"], "nl_NL": [f"Gemeente {city}"]}
        return self._any(forms[self.locale])

    # -- dates and ages ---------------------------------------------------------
    def _format_date(self, day: dt.date) -> str:
        styles = ["%d/%m/%Y", "%m/%d/%Y", "%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y", "%m/%d/%y", "%Y/%m/%d",
                  "EN_LONG", "EN_DMY", "EN_SHORT", "EN_DMONY", "LOCAL"]
        style = self._any(styles)
        month = _EN_MONTHS[day.month - 1]
        if style == "EN_LONG":
            return f"{month} {day.day}, {day.year}"
        if style == "EN_DMY":
            return f"{day.day} {month} {day.year}"
        if style == "EN_SHORT":
            return f"{month[:3]} {day.day:02d} {day.year}"
        if style == "EN_DMONY":
            return f"{day.day:02d}-{month[:3]}-{day.year}"
        if style == "LOCAL":
            months = _MONTHS.get(self.locale)
            if months is None:
                return f"{day.day} {month.upper()} {day.year}"
            sep = ". " if self.locale == "de_DE" else " "
            return f"{day.day}{sep}{months.split()[day.month - 1]} {day.year}"
        return day.strftime(style)

    def birth_date(self) -> str:
        start = ANCHOR.replace(year=ANCHOR.year - 101)
        day = self.fake.date_time_ad(start_datetime=start, end_datetime=ANCHOR).date()
        return self._format_date(day if day != start else day + dt.timedelta(days=1))

    def recent_date(self) -> str:
        return self._format_date(self.fake.date_between_dates(ANCHOR + dt.timedelta(days=-365.24 * 6),
                                                              ANCHOR + dt.timedelta(days=60)))

    def age(self) -> str:
        """Ages in years; over-89s are frequent because HIPAA treats them as identifying."""
        return str(self.rng.choice([self.rng.randint(1, 89), self.rng.randint(18, 80), self.rng.randint(90, 104)]))

    # -- contact ----------------------------------------------------------------
    def phone(self) -> str:
        r = self.rng.random()
        if r < 0.45:
            return self.fake.phone_number()
        code = _COUNTRY_CODE[self.locale]
        body = self._digits(self.rng.choice([9, 10]))
        if r < 0.6:
            return f"+{code} {body[:3]} {body[3:6]} {body[6:]}"
        if r < 0.7:
            return f"00{code}{body}"
        if r < 0.8:
            return f"+{code}-{body[:3]}-{body[3:6]}-{body[6:]}"
        if r < 0.9:
            body = self._digits(10)
            return f"({body[:3]}) {body[3:6]}-{body[6:]}"
        return f"0{body[:4]} {body[4:]}"

    def email(self, name: str | None = None) -> str:
        if name and self.rng.random() < 0.5:
            ascii_name = "".join(c for c in name.lower() if c.isascii() and (c.isalnum() or c == " "))
            parts = ascii_name.split()
            if len(parts) >= 2:
                local = self.rng.choice([f"{parts[0]}.{parts[-1]}", f"{parts[0][0]}{parts[-1]}",
                                         f"{parts[-1]}{self.rng.randint(1, 99)}"])
                return f"{local}@{self.fake.free_email_domain()}"
        return self.fake.email() if self.rng.random() < 0.6 else self.fake.free_email()

    def url(self) -> str:
        user = self.fake.user_name()
        return self._any([
            f"https://www.linkedin.com/in/{user}-{self._alnum(6, string.ascii_lowercase + string.digits)}",
            f"https://github.com/{user}", f"https://twitter.com/{user}", f"https://www.facebook.com/{user}",
            f"https://{user}.blogspot.com/", f"https://portal.{self.fake.domain_name()}/patients/{self._digits(6)}",
            f"http://{self.fake.domain_name()}/~{user}", f"www.instagram.com/{user}",
            f"https://{self.fake.domain_name()}/profile?id={self._digits(7)}",
        ])

    def ipv4(self) -> str:
        return self.fake.ipv4() if self.rng.random() < 0.6 else self.fake.ipv4_private()

    def ipv6(self) -> str:
        address = self.fake.ipv6()
        return str(ipaddress.IPv6Address(address)) if self.rng.random() < 0.5 else address

    def ip(self) -> str:
        return self.ipv4() if self.rng.random() < 0.65 else self.ipv6()

    def username(self) -> str:
        user = self.fake.user_name()
        return self._any([user, user, f"{user}{self.rng.randint(1, 999)}", user.replace(".", "_")])

    def handle(self) -> str:
        """A social @handle: the splitter keeps the ``@`` in the word, so it is in the span."""
        return "@" + self.fake.user_name().replace(".", "_")

    def password(self) -> str:
        return self._any([self.fake.password(length=self.rng.randint(8, 16)),
                          f"{self.fake.word().capitalize()}{self.rng.randint(1, 9999)}!",
                          self._digits(4), self._digits(6), f"{self.fake.word()}-{self.fake.word()}-{self._digits(2)}"])

    def api_key(self) -> str:
        lower = string.ascii_lowercase + string.digits
        mixed = string.ascii_letters + string.digits
        return self._any([f"sk_live_{self._alnum(24, mixed)}", f"AKIA{self._alnum(16)}",
                          f"ghp_{self._alnum(36, mixed)}", f"xoxb-{self._digits(11)}-{self._alnum(24, mixed)}",
                          f"AIza{self._alnum(35, mixed)}", f"eyJhbGciOiJIUzI1NiJ9.{self._alnum(40, mixed)}.{self._alnum(22, mixed)}",
                          f"api_{self._alnum(32, lower)}"])

    # -- government and health identifiers -------------------------------------
    def ssn(self) -> str:
        value = f"{self.rng.randint(100, 899)}-{self.rng.randint(10, 99)}-{self.rng.randint(1000, 9999)}"
        return self._any([value, value, value.replace("-", " "), value.replace("-", "")])

    def national_id(self) -> str:
        if self.locale == "es_ES":
            return self.fake.nif() if self.rng.random() < 0.7 else self.fake.nie()
        if self.locale in ("fr_FR", "it_IT", "nl_NL", "en_GB"):
            return self.fake.ssn()
        if self.locale == "de_DE":
            digits = self._digits(11)
            return self._any([digits, f"{digits[:2]} {digits[2:5]} {digits[5:8]} {digits[8:]}",
                              f"L{self._alnum(8)}"])
        # en_US: a state ID card number, so "national id" is not just an SSN look-alike.
        return f"{self._alnum(1, string.ascii_uppercase)}{self._digits(8)}"

    def passport(self) -> str:
        return self._any([self.fake.passport_number(), f"{self._alnum(2, string.ascii_uppercase)}{self._digits(7)}",
                          self._digits(9), f"C{self._alnum(8)}"])

    def mrn(self) -> str:
        return self._any([f"MRN-{self._digits(7)}", self._digits(8), f"{self._digits(3)}-{self._digits(2)}-{self._digits(2)}",
                          f"H{self._digits(6)}", f"PT{self._digits(9)}", f"{self._alnum(2, string.ascii_uppercase)}{self._digits(6)}"])

    def health_plan(self) -> str:
        return self._any([f"{self._alnum(3, string.ascii_uppercase)}{self._digits(9)}", f"W{self._digits(3)} {self._digits(3)} {self._digits(3)}",
                          f"{self._digits(4)}-{self._digits(4)}-{self._digits(2)}", f"1EG4-TE5-MK{self._digits(2)}",
                          f"M{self._digits(8)}-{self._digits(2)}", f"80840{self._digits(15)}"])

    def account(self) -> str:
        return self._any([self._digits(self.rng.randint(8, 12)), f"{self._digits(4)}-{self._digits(6)}",
                          f"ACC{self._digits(8)}", f"{self._digits(2)}-{self._digits(4)}-{self._digits(7)}",
                          self.fake.bban()])

    def iban(self) -> str:
        iban = self.fake.iban()
        if self.rng.random() < 0.5:
            return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))
        return iban

    def credit_card(self) -> str:
        number = self.fake.credit_card_number()
        r = self.rng.random()
        if r < 0.4 and len(number) == 16:
            return " ".join(number[i:i + 4] for i in range(0, 16, 4))
        if r < 0.55 and len(number) == 16:
            return "-".join(number[i:i + 4] for i in range(0, 16, 4))
        return number

    def license(self) -> str:
        return self._any([f"{self._alnum(1, string.ascii_uppercase)}{self._digits(3)}-{self._digits(4)}-{self._digits(4)}",
                          f"{self.fake.last_name()[:5].upper():9<5}{self._digits(6)}{self._alnum(5)}", f"DL{self._digits(8)}",
                          f"RN{self._digits(6)}", f"MD-{self._digits(5)}", f"{self._digits(9)}",
                          f"DEA {self._alnum(2, string.ascii_uppercase)}{self._digits(7)}"])

    def vehicle(self) -> str:
        return self.fake.license_plate() if self.rng.random() < 0.6 else self.fake.vin()

    def device(self) -> str:
        return self._any([self._digits(15), f"SN {self._alnum(10)}", f"{self._alnum(3)}-{self._alnum(6)}-{self._digits(4)}",
                          f"C02{self._alnum(9)}", f"PJM{self._digits(6)}H", f"{self._digits(2)}-{self._digits(6)}-{self._digits(6)}-{self._digits(1)}"])

    def biometric(self) -> str:
        hexchars = "0123456789abcdef"
        return self._any([f"FP-{self._alnum(12, hexchars)}", f"FT-{self._digits(8)}", f"VP{self._digits(10)}",
                          f"IRIS-{self._alnum(6)}-{self._alnum(6)}", f"bio_{self._alnum(20, hexchars)}"])

    def other_id(self) -> str:
        return self._any([f"E{self._digits(5)}", f"EMP-{self._digits(6)}", f"S{self._digits(7)}", f"STU-{self._digits(4)}-{self._digits(4)}",
                          f"CUST-{self._digits(6)}", f"C{self._digits(8)}", f"{self._alnum(2, string.ascii_uppercase)}-{self._digits(6)}",
                          f"{self._digits(4)}/{self._digits(5)}", f"ID{self._digits(9)}"])

    # -- special categories (GDPR Art. 9) ---------------------------------------
    def condition(self) -> str:
        return self._any(CONDITIONS)

    def medication(self) -> str:
        return self._any(MEDICATIONS)

    def ethnicity(self) -> str:
        return self._any(ETHNICITIES)

    def politics(self) -> str:
        return self._any(POLITICS)

    def religion(self) -> str:
        return self._any(RELIGIONS)

    def union(self) -> str:
        return self._any(UNIONS)

    def genetic(self) -> str:
        return self._any(GENETICS)

    def orientation(self) -> str:
        return self._any(ORIENTATIONS)

    # -- held out (test split only) ----------------------------------------------
    def mac(self) -> str:
        mac = self.fake.mac_address()
        return self._any([mac, mac.upper(), mac.replace(":", "-").upper()])

    def crypto(self) -> str:
        b58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
        return self._any([f"bc1q{self._alnum(38, 'qpzry9x8gf2tvdw0s3jn54khce6mua7l')}", f"1{self._alnum(33, b58)}",
                          f"3{self._alnum(33, b58)}", f"0x{self._alnum(40, '0123456789abcdef')}"])

    def nationality(self) -> str:
        return self._any(NATIONALITIES)
