"""Things that look like personal data but are not, and must never be labelled.

The trial run labelled ward names as organizations and lab values as ZIP codes;
every document kind mixes some of these in so the model learns the difference
from context, not from the shape of the string.
"""

from __future__ import annotations

import random
import string

_HEX = "0123456789abcdef"
WARDS = ("Ward 4B", "ICU", "CCU", "Ward 12", "Cardiology Ward", "A&E", "ED bay 3", "Ward 7 North",
         "Oncology Day Unit", "PACU", "Maternity Unit", "Stroke Unit", "Renal Ward")
LAB_TESTS = ("HbA1c", "eGFR", "CRP", "WBC", "Hb", "Na", "K", "creatinine", "ALT", "TSH", "INR", "troponin",
             "LDL", "platelets", "ferritin", "BNP")
UNITS = ("mmol/L", "mg/dL", "g/L", "%", "U/L", "mL/min/1.73m2", "x10^9/L", "ng/L", "mIU/L")
SCORES = ("GCS 15", "NEWS2 score 3", "APGAR 9", "pain score 4/10", "MMSE 27/30", "Wells score 2",
          "CHA2DS2-VASc 3", "PHQ-9 score 14", "BMI 27.4", "SpO2 96%", "BP 132/84", "HR 88 bpm", "T 37.8 C")
ABBREVIATIONS = ("SOB", "NAD", "PRN", "BID", "TDS", "NBM", "Hx", "Dx", "Rx", "c/o", "PMH", "ROS", "NKDA",
                 "IV", "PO", "q4h", "OD", "stat")
DOSES = ("500 mg", "10 mg", "20 mg", "2.5 mg", "100 mcg", "1 g", "5 mL", "40 units", "75 mg", "0.5 mg")
PUBLIC_COMPANIES = ("Microsoft", "Siemens", "Apple", "SAP", "Nestlé", "Philips", "Airbus", "Toyota",
                    "Samsung", "Unilever", "BASF", "Spotify", "Volkswagen", "Adobe", "Oracle", "Intel",
                    "Nvidia", "Shell", "Ericsson", "Nokia", "Renault", "Fiat", "Santander", "ING")
PRODUCTS = ("Widget Pro", "Acme Router X2", "CloudSync", "DataVault", "Orbit Lamp", "FlexDesk",
            "Nimbus SDK", "Quill Editor", "Pulse Tracker", "Atlas CLI", "Harbor Gateway")


class Lookalikes:
    """Makers of non-personal strings; all per-document random."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def _any(self, options: tuple[str, ...] | list[str]) -> str:
        return options[self.rng.randrange(len(options))]

    def _digits(self, n: int) -> str:
        return "".join(self.rng.choice(string.digits) for _ in range(n))

    def order_number(self) -> str:
        return self._any([f"ORD-{self._digits(7)}", f"#{self._digits(6)}", f"PO-{self._digits(4)}-{self._digits(4)}",
                          f"SO{self._digits(8)}", f"INV-{self._digits(4)}-{self._digits(5)}"])

    def sku(self) -> str:
        letters = "".join(self.rng.choice(string.ascii_uppercase) for _ in range(3))
        return self._any([f"SKU-{letters}-{self._digits(4)}", f"{letters}{self._digits(5)}",
                          f"{letters}-{self._digits(3)}-{self.rng.choice('SMLX')}", f"P/N {self._digits(3)}-{self._digits(4)}"])

    def version(self) -> str:
        major, minor, patch = self.rng.randint(0, 12), self.rng.randint(0, 30), self.rng.randint(0, 99)
        return self._any([f"v{major}.{minor}.{patch}", f"{major}.{minor}.{patch}", f"{major}.{minor}",
                          f"{major}.{minor}.{patch}-rc.{self.rng.randint(1, 5)}", f"build {self._digits(5)}"])

    def commit(self) -> str:
        sha = "".join(self.rng.choice(_HEX) for _ in range(40))
        return sha if self.rng.random() < 0.5 else sha[:7]

    def timestamp(self) -> str:
        y, mo, d = self.rng.randint(2019, 2025), self.rng.randint(1, 12), self.rng.randint(1, 28)
        h, mi, s = self.rng.randint(0, 23), self.rng.randint(0, 59), self.rng.randint(0, 59)
        return self._any([f"{y}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}Z", f"{y}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d},{self._digits(3)}",
                          f"{y}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}.{self._digits(6)}+00:00", str(self.rng.randint(1_550_000_000, 1_750_000_000))])

    def request_id(self) -> str:
        return "-".join("".join(self.rng.choice(_HEX) for _ in range(n)) for n in (8, 4, 4, 4, 12))

    def amount(self) -> str:
        value = f"{self.rng.randint(1, 9999)}.{self._digits(2)}"
        return self._any([f"€{value}", f"${value}", f"£{value}", f"{value} EUR", f"USD {value}", value])

    def ward(self) -> str:
        return self._any(WARDS)

    def lab_line(self) -> str:
        """``HbA1c 7.2 %`` style clutter (the trial labelled these numbers as ZIP codes)."""
        value = self._any([str(self.rng.randint(1, 300)), f"{self.rng.randint(0, 20)}.{self.rng.randint(0, 9)}"])
        return f"{self._any(LAB_TESTS)} {value} {self._any(UNITS)}"

    def score(self) -> str:
        return self._any(SCORES)

    def abbreviation(self) -> str:
        return self._any(ABBREVIATIONS)

    def dose(self) -> str:
        return self._any(DOSES)

    def public_company(self) -> str:
        return self._any(PUBLIC_COMPANIES)

    def product(self) -> str:
        return self._any(PRODUCTS)

    def ticket(self) -> str:
        return self._any([f"TKT-{self._digits(6)}", f"JIRA-{self._digits(4)}", f"case #{self._digits(5)}", f"INC{self._digits(7)}"])

    def http_status(self) -> str:
        return self._any(["200", "201", "204", "301", "302", "400", "401", "403", "404", "500", "503"])
