"""German news sentences with persons named the way the press names them (training only).

Why: v0.5 found ~76% of the persons in German news (GermEval-14; v0.6: 86%), and the
misses are bare and genitive surnames in German context ("sagte Eymer", "Nerudas
Verfassung").  The main generator writes English documents with names from many
locales, and GermEval-14 lends training only ~1,000 German sentences; swapping the
names in those (``name_swap``) did not help, so what is short is German *context*.
These are sentences we wrote ourselves (politics, sport, culture, business, courts,
history), filled with Faker names from German-speaking and neighbouring locales; half
of them are spaced the way the detokenised real corpora are ("sagte Kolb ." ).

They annotate persons, organisations and cities only (``Record.annotates``), and carry
no routing domain.  They are measured through the real German dev text, not through
template families of their own, so this module has no dev or test split.
"""

from __future__ import annotations

from collections.abc import Iterator

from redactor.training.records import Record
from redactor.training.synthetic.builder import InvalidSpan
from redactor.training.synthetic.sentences import SentenceWriter, generate_sentences

LABELS = ("person", "organization", "city")
# Whose names German news prints: mostly German-speaking, then its neighbours and beyond.
NAME_LOCALES = ("de_DE", "de_AT", "de_CH", "en_US", "fr_FR", "it_IT", "es_ES", "pl_PL", "tr_TR", "nl_NL")
NAME_WEIGHTS = (0.45, 0.1, 0.05, 0.08, 0.06, 0.06, 0.05, 0.05, 0.05, 0.05)

# {P} full name, {S} surname, {G} genitive surname, {F} first name, {O} organisation,
# {C} city, {Y} year; a digit tells two of a kind apart.
TEMPLATES = (
    "{S} sagte der Zeitung, man werde die Entscheidung in Ruhe prüfen.",
    "„Das war nicht unser bester Tag“, sagte {S} nach dem Spiel.",
    "Nach Angaben von {P} soll das Projekt bis Ende des Jahres abgeschlossen sein.",
    "{G} Vorschlag stieß im Ausschuss auf breite Ablehnung.",
    "Der Trainer brachte {S} erst in der zweiten Halbzeit.",
    "In der 78. Minute erzielte {S} per Kopfball den Ausgleich.",
    "{P} wurde {Y} in {C} geboren und studierte später Rechtswissenschaften.",
    "Nach dem Tod seines Vaters übernahm {S} die Leitung der {O}.",
    "Wie {S} mitteilte, wurden die Verhandlungen am Abend ergebnislos abgebrochen.",
    "Die Staatsanwaltschaft in {C} ermittelt gegen {P} wegen Untreue.",
    "Bürgermeister {S} eröffnete am Samstag das neue Rathaus.",
    "Ein Sprecher der {O} wollte sich zu den Vorwürfen gegen {S} nicht äußern.",
    "{P} spielte von {Y} bis {Y2} für den Verein und wechselte dann nach {C}.",
    "Mit {G} Wechsel nach {C} verliert die Mannschaft ihren besten Torschützen.",
    "Zuvor hatte {S} den Titel bereits zweimal gewonnen.",
    "Die Ausstellung zeigt Arbeiten von {P} und {P2} aus den sechziger Jahren.",
    "{S} gilt als einer der einflussreichsten Architekten seiner Zeit.",
    "Unterstützt wurde sie dabei von ihrem Bruder {F}.",
    "Der Roman erzählt von {F}, der nach dem Krieg nach {C} zurückkehrt.",
    "Gegen {G} Willen wurde der Vertrag nicht verlängert.",
    "Seit {Y} sitzt {S} im Aufsichtsrat der {O}.",
    "{P}, Sprecherin der {O}, bestätigte den Vorfall am Nachmittag.",
    "Kritik kam auch von {P}: „So kann es nicht weitergehen.“",
    "Das Gericht folgte damit weitgehend der Argumentation von {G} Anwalt.",
    "Im Finale unterlag {S} dem Titelverteidiger in drei Sätzen.",
    "Er heiratete {Y} {P}, die Tochter eines Kaufmanns aus {C}.",
    "Auf Einladung von {P} besuchte die Delegation anschließend {C}.",
    "{S} widersprach: Die Zahlen seien seit Monaten bekannt gewesen.",
    "Nach {G} Angaben liegt der Schaden bei mehreren Millionen Euro.",
    "Regie führte {P}, die Musik stammt von {P2}.",
    "Der Abgeordnete {P} forderte eine unabhängige Untersuchung der Vorgänge.",
    "Seine Nachfolge tritt {P} an, bisher Finanzvorstand der {O}.",
    "Laut {S} habe es zu keinem Zeitpunkt Absprachen gegeben.",
    "Die Witwe von {S} schenkte das Gemälde {Y} dem Museum in {C}.",
    "{F} und {F2} gründeten das Unternehmen {Y} in einer Garage in {C}.",
    "Unter {G} Leitung wuchs das Orchester auf über hundert Musiker.",
    "Kommissar {S}, gespielt von {P}, ermittelt diesmal in {C}.",
    "Der Vertrag mit {S} läuft noch bis {Y}.",
    "Auch {P} und {P2} stehen im vorläufigen Aufgebot.",
    "Wie der Verlag mitteilte, erscheint {G} neues Buch im Herbst.",
    "Ministerpräsident {S} kündigte an, die Mittel für {C} aufzustocken.",
    "In der Kirche steht eine Statue des heiligen {F} aus dem 15. Jahrhundert.",
    "Historiker vermuten, dass {F} den Hof seines Vaters um {Y} übernahm.",
    "{S} war seit {Y} Mitglied im Turnverein und später dessen Vorsitzender.",
    "Doch {S} wurde kurz darauf verhaftet und nach {C} gebracht.",
    "Während des Krieges diente {S} als Offizier und kehrte {Y} nach {C} zurück.",
    "Die Rede von {P} wurde mehrfach von Zwischenrufen unterbrochen.",
    "„Wir haben alles versucht“, so {S}.",
    "Am Ende reichte es für {S} nur zu Platz vier.",
    "Die Familie {S} lebt seit drei Generationen in {C}.",
    "Die {O} mit Sitz in {C} hat am Montag Insolvenz angemeldet.",
    "Das Museum in {C} bleibt wegen Umbauarbeiten bis zum Frühjahr geschlossen.",
    "Die Tagung in {C} wurde in diesem Jahr von der {O} ausgerichtet.",
    "Erst im Elfmeterschießen setzte sich der Gastgeber durch.",
    "Die neue Brücke soll den Verkehr in der Innenstadt von {C} entlasten.",
)


class PressWriter(SentenceWriter):
    """German news sentences with fresh names; organisations and cities are German."""

    templates = TEMPLATES
    labels = LABELS
    family = "press_de"
    id_prefix = "press"
    locale = "de_DE"
    name_locales = NAME_LOCALES
    name_weights = NAME_WEIGHTS

    def _surname(self, genitive: bool) -> str:
        """A surname; genitive ones take German's ``-s`` (names on s, x, z or ß are
        drawn again: the press writes those with an apostrophe or "von")."""
        for _ in range(20):
            name = self._fake().last_name()
            if not genitive:
                return name
            if not name.endswith(("s", "x", "z", "ß")):
                return name + "s"
        raise InvalidSpan("no surname that takes a genitive -s")

    def value(self, slot: str) -> tuple[str, str | None]:
        if slot == "P":
            fake = self._fake()
            middle = f" {fake.first_name()}" if self.rng.random() < 0.1 else ""
            return f"{fake.first_name()}{middle} {fake.last_name()}", "person"
        if slot in ("S", "G"):
            return self._surname(slot == "G"), "person"
        if slot == "F":
            return self._fake().first_name(), "person"
        if slot == "O":
            return self.fakers["de_DE"].company(), "organization"
        if slot == "C":
            return self.fakers["de_DE"].city(), "city"
        return str(self.rng.randint(1850, 2015)), None


def generate_press(n: int, seed: int) -> Iterator[Record]:
    """``n`` German news records, reproducible from ``seed`` (a record whose spans the
    word splitters would cut is drawn again)."""
    return generate_sentences(PressWriter(seed), n)
