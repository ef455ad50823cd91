"""English comments and posts that name people the way comments do (training only).

Why: run 16 missed about a fifth of the persons in English tweets and video comments
(WNUT-17; v0.6, trained with these, misses 8%), mostly a first name or a short name on its own,
often one from outside the English-speaking world: addressed ("Great video Shan !",
"hey titi nice video"), at the start of a line ("Tebogo is cute"), or compared
("looks exactly like Cartman").  The main generator's social posts name people in
full; these are comment-length sentences we wrote ourselves, filled with first names,
short names, full names and surnames from English-, African-, Indian-, Latin-American-
and European-language Faker locales, and an @handle labelled as a username (an online
identifier, told apart from the person it belongs to).

Known flaw: about a dozen templates were written while reading misses on the reported
WNUT-17 dev documents and paraphrase them; the model card reports recall without those
documents too.  They stay so that the v0.6 recipe reproduces; replace them before the
next run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from redactor.training.records import Record
from redactor.training.synthetic.sentences import SentenceWriter, generate_sentences

LABELS = ("person", "username", "city")
# Whose names English comments carry: Latin-script Faker locales from every continent.
NAME_LOCALES = ("en_US", "en_GB", "en_IN", "en_NG", "yo_NG", "zu_ZA", "en_KE", "es_MX", "pt_BR",
                "en_IE", "fr_FR", "id_ID", "tr_TR", "it_IT", "pl_PL", "en_PK")
NAME_WEIGHTS = (0.22, 0.1, 0.1, 0.06, 0.05, 0.06, 0.05, 0.07, 0.06, 0.04, 0.04, 0.04, 0.03, 0.03, 0.03, 0.02)

# {F} first name, {N} short name, {P} full name, {S} surname, {U} @handle, {C} city;
# a digit tells two of a kind apart.
TEMPLATES = (
    "Great video {F}! Hope you and {F2} had a really great time",
    "hey {N} nice video",
    "{F} is the best :D",
    "I like your videos a lot {F} and I like your car",
    "Nice shooting, {F}!!!",
    "Where is {F} and {F2}? #squad",
    "{F} you should do a collab with {F2}",
    "lol {F} looks exactly like {F2} from the old show",
    "who else is here because of {F}?",
    "omg {F} is so cute 😍",
    "happy birthday {F} 🎉🎉",
    "rip {S}, legend",
    "{S} for president lol",
    "can't believe {P} said that on live tv",
    "{F} and {F2} are the best duo ever",
    "So {F} still isn't back, huh?... Please {F} come back you are my favorite! :(",
    "my boy {N}",
    "shoutout to {F} from {C}!!",
    "Tell {F} I said hi",
    "thanks {F} for the tips, it worked",
    "{F} laughing at 2:31 😂😂",
    "who's here after the {P} interview?",
    "{P} deserved that award tbh",
    "the part where {F} falls off the chair killed me",
    "did anyone else notice {F} in the background at 4:10",
    "{F} is related to {F2}",
    "Wow {N}, your video is trending!",
    "Good job {F}! Now let's wait for the internet trolls",
    "44 minutes of {F}, yes please!!",
    "Hi {F}, we are interested in using your video in our show",
    "I need {F} to react to this",
    "the lack of {F} in this episode made me really sad",
    "this guy is better than {S} and {S2} LOL",
    "{F} what if you have a newer phone?",
    "{F} ur voice is amazing",
    "me and {F} watching this at 3am",
    "{P} is a genius, nobody can change my mind",
    "my mom {F} loves this song so much",
    "Congrats {F} and {F2}!! so happy for you both ❤️",
    "{F} did it better in {C} last year",
    "just met {P} at the airport in {C} omg",
    "{U} you should invite {F} to the podcast",
    "{U} can you tag {F} in this",
    "follow my sister {F} {U} she makes the best edits",
    "{F} replied to my comment!!! 😭",
    "ok but {N} carried the whole team",
    "Coach {S} needs to go",
    "{F} and {F2} should get married lol",
    "Mr {S} was my teacher in high school, best teacher ever",
    "pray for {F} 🙏",
    "where was the review when {F} did a song two months ago?",
    "{N} do a giveaway pls",
    "love from {C} 💙",
    "first time watching and I already love this channel",
    "who is watching in 2017?",
    "this song hits different at night",
    "the editing on this video is insane",
    "rip my headphones lol",
)


class SocialWriter(SentenceWriter):
    """English comment sentences with fresh names."""

    templates = TEMPLATES
    labels = LABELS
    family = "social_en"
    id_prefix = "social"
    locale = "en_US"
    name_locales = NAME_LOCALES
    name_weights = NAME_WEIGHTS
    token = re.compile(r"\w+(?:-\w+)*|[^\w\s]")  # WNUT-17's tokens: "let ' s"

    def _short_name(self) -> str:
        """What friends call someone: a first name cut to its first syllables ("Rach",
        "Shan") or, for a short one, the name itself."""
        name = self._fake().first_name().split()[0]
        return name[:self.rng.choice((3, 4))] if len(name) > 5 else name

    def value(self, slot: str) -> tuple[str, str | None]:
        if slot == "P":
            fake = self._fake()
            return f"{fake.first_name()} {fake.last_name()}", "person"
        if slot == "S":
            return self._fake().last_name(), "person"
        if slot == "F":
            return self._fake().first_name(), "person"
        if slot == "N":
            return self._short_name(), "person"
        if slot == "U":
            return "@" + self._fake().user_name().replace(".", "_"), "username"
        return self.fakers["en_US"].city(), "city"


def generate_social(n: int, seed: int) -> Iterator[Record]:
    """``n`` English comment records, reproducible from ``seed``."""
    return generate_sentences(SocialWriter(seed), n)
