"""Logs and telemetry: JSON payloads, web access logs, application logs, SQL dumps.

URLs never sit inside quotes here: the splitter's URL rule runs to the next
whitespace, so a quoted URL could never be one aligned span.
"""

from __future__ import annotations

import json

from redactor.training.synthetic.builder import Doc
from redactor.training.synthetic.families import kind
from redactor.training.synthetic.lookalikes import Lookalikes
from redactor.training.synthetic.values import Values


def _json_str(d: Doc, label: str | None, value: str) -> None:
    """A JSON string literal whose content (not the quotes) is the span."""
    encoded = json.dumps(value, ensure_ascii=False)
    d.raw('"')
    if encoded[1:-1] != value:  # escaping would shift the span: let the generator re-draw
        raise ValueError("value needs JSON escaping")
    d.v(label, value)
    d.raw('"')


@kind("json_api_payload", "logs and telemetry")
def json_api_payload(d: Doc, v: Values, x: Lookalikes) -> None:
    indent = d.pick(["  ", "    ", ""])
    nl = "\n" if indent else " "
    fields = [
        (d.pick(["name", "fullName", "customer_name"]), "person", v.person()),
        (d.pick(["email", "emailAddress", "mail"]), "email", v.email()),
        (d.pick(["phone", "msisdn", "phoneNumber"]), "phone_number", v.phone()),
        (d.pick(["dob", "birthDate", "date_of_birth"]), "date", v.birth_date()),
        (d.pick(["ip", "client_ip", "remoteAddr"]), "ip_address", v.ip()),
        (d.pick(["username", "login", "user"]), "username", v.username()),
        ("sku", None, x.sku()), ("version", None, x.version()), ("requestId", None, x.request_id()),
        ("createdAt", None, x.timestamp()),
    ]
    if d.chance(0.4):
        fields.append((d.pick(["apiKey", "token", "access_token"]), "api_key", v.api_key()))
    if d.chance(0.3):
        fields.append((d.pick(["iban", "bankAccount"]), "iban", v.iban()))
    if d.chance(0.3):
        fields.append((d.pick(["card", "pan"]), "credit_card_number", v.credit_card()))
    if d.chance(0.3):
        fields.append(("deviceId", "device_id", v.device()))
    if d.chance(0.2):
        fields.append((d.pick(["password", "pwd", "pin"]), "password", v.password()))
    if d.held_out_allowed and d.chance(0.3):
        fields.append(("mac", "mac_address", v.mac()))
    d.rng.shuffle(fields)
    d.raw("{" + nl)
    for i, (key, label, value) in enumerate(fields):
        d.raw(f'{indent}"{key}": ')
        _json_str(d, label, value)
        d.raw(("," if i < len(fields) - 1 else "") + nl)
    d.raw("}")
    d.nl()


@kind("web_access_log", "logs and telemetry")
def web_access_log(d: Doc, v: Values, x: Lookalikes) -> None:
    for _ in range(d.rng.randint(2, 6)):
        d.v("ip_address", v.ip()).raw(" - ")
        if d.chance(0.5):
            d.v("username", v.username())
        else:
            d.raw("-")
        d.raw(f" [{d.rng.randint(1, 28):02d}/Mar/2024:{d.rng.randint(0, 23):02d}:14:{d.rng.randint(10, 59)} +0000] ")
        path = d.any([f"/api/v2/orders/{x.order_number()}", f"/static/app.{x.commit()}.js", "/login", "/health",
                      f"/products/{x.sku()}"])
        d.raw(f'"{d.any(["GET", "POST", "PUT"])} {path} HTTP/1.1" {x.http_status()} {d.rng.randint(200, 90000)} ')
        d.raw('"-" "Mozilla/5.0 (X11; Linux x86_64)"').nl()
    if d.chance(0.3):
        d.raw("# reset link sent to ").v("email", v.email()).raw(" for ").v("url", v.url()).nl()


@kind("app_log", "logs and telemetry")
def app_log(d: Doc, v: Values, x: Lookalikes) -> None:
    level = d.pick(["INFO", "info", "I"])
    service = d.pick(["auth-service", "billing.worker", "api", "sync-daemon"])
    d.raw(x.timestamp() + f" {level} [{service}] ").t("login ok user=").v("username", v.username()).t(" ip=").v("ip_address", v.ip()).nl()
    d.raw(x.timestamp() + f" {level} [{service}] ").t("build ").raw(x.version()).t(" commit ").raw(x.commit()).nl()
    if d.chance(0.5):
        d.raw(x.timestamp() + " WARN ").t("password reset for ").v("email", v.email()).t(" from device ").v("device_id", v.device()).nl()
    if d.chance(0.3):
        d.raw(x.timestamp() + " DEBUG ").t("auth attempt user=").v("username", v.username()).t(" password=").v("password", v.password()).nl()
    if d.chance(0.2):
        d.raw(x.timestamp() + " INFO ").t("face unlock enrolled template ").v("biometric_id", v.biometric()).nl()
    if d.chance(0.3):
        d.raw(x.timestamp() + " DEBUG ").t("Authorization: Bearer ").v("api_key", v.api_key()).nl()
    if d.held_out_allowed and d.chance(0.4):
        d.raw(x.timestamp() + " INFO ").t("DHCP lease for ").v("mac_address", v.mac()).t(" -> ").v("ip_address", v.ipv4()).nl()
    d.raw(x.timestamp() + " ERROR ").t("failed to charge customer ").v("person", v.person()).t(" card ").v("credit_card_number", v.credit_card()).nl()
    d.raw("Traceback (most recent call last):\n")
    for _ in range(d.rng.randint(1, 3)):
        mod = d.any(["billing/charge.py", "app/models/user.py", "lib/retry.py"])
        d.raw(f'  File "/srv/app/{mod}", line {d.rng.randint(10, 900)}, in {d.any(["charge", "save", "_call", "run"])}\n')
    d.raw(d.any(["ValueError", "KeyError", "TimeoutError"]) + ": request ").raw(x.request_id()).raw(" order ").raw(x.order_number()).nl()


@kind("sql_dump", "logs and telemetry")
def sql_dump(d: Doc, v: Values, x: Lookalikes) -> None:
    table = d.pick(["customers", "users", "patients", "employees"])
    d.raw(f"-- dump {x.version()} at {x.timestamp()}").nl()
    id_column = "ssn" if v.locale == "en_US" else "national_id"
    d.raw(f"INSERT INTO {table} (id, name, email, phone, dob, {id_column}) VALUES").nl()
    rows = d.rng.randint(1, 4)
    for i in range(rows):
        name = v.person()
        if "'" in name:
            name = name.replace("'", "")
        d.raw(f"({d.rng.randint(1, 99999)}, '").v("person", name).raw("', '").v("email", v.email()).raw("', '")
        d.v("phone_number", v.phone()).raw("', '").v("date", v.birth_date()).raw("', ")
        if d.chance(0.7):
            d.raw("'").v(id_column, v.ssn() if v.locale == "en_US" else v.national_id()).raw("'")
        else:
            d.raw("NULL")
        d.raw(")" + ("," if i < rows - 1 else ";")).nl()
    if d.chance(0.4):
        d.raw(f"UPDATE {table} SET password_hash = '{x.commit()}', api_token = '").v("api_key", v.api_key()).raw(f"' WHERE id = {d.rng.randint(1, 999)};").nl()
