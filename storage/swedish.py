"""Swedish words as similarity keys: stems, compound parts and a few synonyms, weighted by how telling they are.

Similar-idea hints compare *keys*, not words: "Cykelställ med tak vid resecentrum" and "Cykelparkering vid
stationen" share the compound part `cykl` and the place `station` (resecentrum is a station), while "Ny
hemsida" and "Ny förskola" share nothing, because `ny` says nothing about what an idea is about.

- Inflections: the Snowball Swedish stemmer (the algorithm behind PostgreSQL's `swedish` configuration)
  followed by a few rules it leaves out (definite -an/-en/-et, a trailing s, cykel/cyklar).
- Compounds: a stem is split where both halves are known parts (`PARTS`, about 400 common nouns and verbs of
  municipal work), with the linking -s-/-e-/-u-; each half becomes a key of its own at half weight.
- Weights: 1 for a telling word, `WEAK` for words that occur in ideas on every topic (personal, system, tid),
  0 for stopwords and the language of suggestions (ny, bättre, fler, kommunen, borde, införa).
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import snowballstemmer

from storage.text import nfc

KEY_WEIGHT = 1.0
HEAD_WEIGHT = 0.75  # a compound's last part names what it is: a parkbänk is a bänk
PART_WEIGHT = 0.5
WEAK = 0.25


def _words(paragraph: str) -> list[str]:
    return paragraph.split()


# Function words: never keys.
_STOPWORDS = frozenset(_words("""
att och det som en ett i på av för med till är vi de den har inte om man kan ska vid från eller så när vara där
under över efter utan mellan mot genom hos inom utanför nära längs bakom framför innan sedan samt än också även
jag du han hon dom oss er sin sina sitt vår våra vårt deras dess denna detta dessa vilken vilket vilka något
några någon ingen inget inga alla all allt varje hela egen egna eget olika samma annan andra annat många mycket
lite få fått fick nu idag redan alltid ofta oftare aldrig gärna bara mest mer mera fler flera hur varför vad
stället istället per via the a an and of to in for on is it be
"""))

# The language of suggestions: words any idea may use whatever it is about.
_FILLER = frozenset(_words("""
ny nya nytt bättre bra sämre större mindre högre lägre längre kortare enklare snabbare tydligare lättare säkrare
fler flera mer mera gärna gratis gemensam gemensamt gemensamma bör borde ska skulle måste behöver behövs vill
önskar önskemål före kommer komma lång långa korta stan
kunna kunde få göra gör gjort ha har hade införa inför införs förbättra förbättring förbättras
öka ökad ökat ökade utöka utökad minska minskad sänka sänkt höja skapa ta ge finnas finns saknas fungera
fungerar använda användas möjlighet möjligheten möjligheter förslag idé idéer idén kommun kommunen kommunens
kommunal kommunala kommunalt stad staden stadens
"""))

# Words that occur in ideas on every topic: a shared one is a hint of a hint.
_WEAK_WORDS = """
personal personalen anställd anställda medarbetare medarbetarna system rutin rutiner information utbildning
kurs tid tider planering samarbete samverkan stöd kvalitet policy aktivitet aktiviteter verksamhet
verksamheten invånare invånarna digital digitala digitalt app arbete jobb plats platser del vecka dag år
tjänst tjänster ärende ärenden lösning problem behov förvaltning förvaltningar
"""

# Equal meanings in municipal work: each group becomes its first word's key.
_SYNONYMS = """
station resecentrum järnvägsstation tågstation
simhall badhus
kommunhus stadshus
idrottshall sporthall
papperskorg skräpkorg sopkorg soptunna
personal anställd medarbetare bemanning
äldre pensionär senior
förskola dagis
lönespecifikation lönespec
parkeringsplats pplats
wifi wlan gästnätverk
laddstolpe laddplats laddpunkt laddstation
bokbuss biblioteksbuss
solcell solpanel
surfplatta lärplatta ipad
belysning lampa gatlykta
anmälan anmäla
lekplats lekpark
"""

# Compound parts: common nouns and verbs of municipal work, in any form (they are stemmed on load).
_PARTS = """
cykel bil buss tåg båt bana väg gata gång park parkering plats ställ garage pool tjänst hem skola förskola
fritids bibliotek bok vård omsorg äldre boende mat kök städ snö röjning plog sand salt ljus lampa belysning
energi värme vatten avfall sopor sop plast papper glas metall sortering återvinning kompost källa data dator
skrivare telefon mobil möte kalender lokal hall bad sim idrott lek grön träd blomma hund rast katt barn elev
lärare rektor chef personal lön schema läggning tid rum kontor hus tak golv vägg fönster dörr trappa hiss ramp
skylt skyltning karta webb app tjänst blankett ärende beslut avtal inköp faktura budget kostnad laddning ladda
stolpe el sol cell panel station centrum rese resa kort lån lista system stöd plan planering kö flöde
utbildning introduktion program bokning ordning kontroll frukt korg vecka helg kväll natt morgon dag sommar
vinter jul ansökan bygg lov signering påminnelse utveckling samtal sms mens skydd toalett dusch omklädning
fart hinder gupp trafik ljus säkerhet trygghet larm lås nyckel post paket leverans hemleverans matsal svinn
tolk besök träff anhörig lek gård promenad strand stråk bänk sits mark gräs äng skog sjö hav bro tunnel
förpackning plast automat dricka dricks häst ridning konst kultur musik dans teater film fest marknad torg
handel butik affär företag näring jobb arbete miljö klimat ventilation luft ljud buller skola grund gymnasium
vuxen ungdom ung unga barn familj förälder vårdnadshavare läxa läxhjälp läsning läs språk svenska modersmål
tolkning digital skärm surf platta ipad vikarie vikarier lärplatta assistent sjuksköterska läkare medicin
läkemedel robot dos hjärta start hjärtstartare brand övning kris beredskap reserv kraft tank regn tunna
koloni odling lott odla hjälp hjälpmedel rullstol rullator syn hörsel slinga tillgänglighet funktion
lykta hastighet övergång korsning signal cirkulation rondell parkeringshus laddplats laddstolpe
intranät nätverk gäst besökare reception entré kaffe maskin mikrovågsugn kyl frys personalrum lärarrum
matematik historia läromedel lärobok bänk stol bord möbel möbler kläder arbetskläder skor hjälm väst
sjuk frisk friskvård massage gym motion spår elljus belysning sten asfalt grus trottoar kant sten
bidrag förening föreningsliv lokalbokning uthyrning hyra nyckelkort kort tagg passer
"""

_WORD = re.compile(r"\w+(?:-\w+)*", re.UNICODE)
_LOCAL = threading.local()


def _stemmer() -> snowballstemmer.stemmer:
    """One stemmer per thread: a Snowball stemmer keeps its current word in itself."""
    stemmer = getattr(_LOCAL, "stemmer", None)
    if stemmer is None:
        stemmer = _LOCAL.stemmer = snowballstemmer.stemmer("swedish")
    return stemmer


def _tidy(stem: str) -> str:
    """What Snowball's Swedish stemmer leaves: skolan/skol, cykeln/cykel, plats/plat, cykel/cykl, toalett/toalet."""
    if len(stem) >= 5 and stem.endswith(("an", "en", "et")) and stem[-3] not in "aeiouyåäö":
        stem = stem[:-2]
    elif len(stem) >= 5 and stem.endswith(("eln", "ern")):
        stem = stem[:-1]
    if len(stem) >= 5 and stem.endswith("s") and stem[-2] != "s":
        stem = stem[:-1]
    if len(stem) >= 4 and stem[-1] == stem[-2] and stem[-1] not in "aeiouyåäö":
        stem = stem[:-1]
    if len(stem) >= 5 and stem.endswith("el") and stem[-3] not in "aeiouyåäö":
        stem = stem[:-2] + "l"
    return stem


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """The key of one lower-case word: its Snowball stem, tidied."""
    return _tidy(_stemmer().stemWord(word))


def _group_map(groups: str) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for line in groups.strip().splitlines():
        words = [stem(w) for w in line.split()]
        for w in words:
            mapping.setdefault(w, words[0])
    return mapping


SYNONYMS = _group_map(_SYNONYMS)
PARTS = frozenset(stem(w) for w in _words(_PARTS))
WEAK_KEYS = frozenset(SYNONYMS.get(stem(w), stem(w)) for w in _words(_WEAK_WORDS))
_LINKS = ("s", "e", "u", "a", "o")


def _part(piece: str) -> str | None:
    """The key of `piece` if it is a known part, stemmed as a word of its own or as the tail of a stem."""
    if len(piece) < 2:
        return None
    for key in (stem(piece), _tidy(piece)):
        if key in PARTS:
            return key
    return None


def _known(piece: str) -> str | None:
    """The part key for a compound's first half, possibly ending in a linking letter (parkerings-, skole-)."""
    for candidate in (piece, *(piece[:-1] for link in _LINKS if piece.endswith(link))):
        key = _part(candidate)
        if key is not None:
            return key
    return None


@lru_cache(maxsize=50_000)
def split_compound(word_stem: str) -> tuple[str, ...]:
    """The known parts of a compound stem, head first: cykelparkering -> (parkering, cykl)."""
    if len(word_stem) < 5:
        return ()
    for cut in range(2, len(word_stem) - 1):
        head = _part(word_stem[cut:])
        if head is None:
            continue
        modifier = word_stem[:cut]
        known = _known(modifier)
        if known is not None:
            return (head, known)
        for shorter in (modifier, *(modifier[:-1] for link in _LINKS if modifier.endswith(link))):
            deeper = split_compound(shorter)
            if deeper:
                return (head, *deeper)
    return ()


def _derived(word_stem: str) -> str | None:
    """A noun made of a verb shares a key with it: skyltning/skylt, bokning/boka, parkering/parkera."""
    for suffix in ("ning", "ing"):
        if word_stem.endswith(suffix) and len(word_stem) - len(suffix) >= 3:
            return word_stem[: -len(suffix)]
    return None


def _weight(key: str, base: float, weak: bool = False) -> float:
    """A weak word's parts are as weak as the word."""
    return base * WEAK if weak or key in WEAK_KEYS else base


@lru_cache(maxsize=20_000)
def _word_keys(word: str) -> tuple[tuple[str, float], ...]:
    if "-" in word:  # e-tjänst, LED-lampor, sms-påminnelse: one compound with its pieces as parts
        pieces = [p for p in word.split("-") if p]
        whole = stem("".join(pieces))
        keys = [(SYNONYMS.get(whole, whole), KEY_WEIGHT)]
        for piece in pieces:
            if len(piece) >= 3 and piece not in _STOPWORDS and piece not in _FILLER:
                keys += [(k, w * PART_WEIGHT) for k, w in _word_keys(piece)]
        return tuple(keys)
    if word in _STOPWORDS or word in _FILLER or len(word) < 2 or word.isdigit():
        return ()
    word_stem = stem(word)
    key = SYNONYMS.get(word_stem, word_stem)
    weak = key in WEAK_KEYS
    keys = [(key, WEAK if weak else KEY_WEIGHT)]
    if key == word_stem:
        parts = split_compound(word_stem)
        for i, part in enumerate(parts):
            part = SYNONYMS.get(part, part)
            keys.append((part, _weight(part, HEAD_WEIGHT if i == 0 else PART_WEIGHT, weak)))
        derived = None if parts else _derived(word_stem)
        if derived is not None:
            keys.append((derived, _weight(derived, PART_WEIGHT, weak)))
    return tuple(keys)


@lru_cache(maxsize=8192)
def similarity_keys(title: str) -> dict[str, float]:
    """The keys of an idea's title with their weights (the highest where a key comes twice).

    Cached, since the same titles come back as candidates capture after capture: treat the dict as read-only.
    """
    keys: dict[str, float] = {}
    for word in _WORD.findall(nfc(title).lower()):
        for key, weight in _word_keys(word.strip("-")):
            if weight > keys.get(key, 0.0):
                keys[key] = weight
    return keys


def similarity(a: dict[str, float], b: dict[str, float]) -> float:
    """Weighted Dice: twice the weight two ideas share over the weight both have (0 … 1)."""
    total = sum(a.values()) + sum(b.values())
    if not total:
        return 0.0
    shared = sum(min(w, b[k]) for k, w in a.items() if k in b)
    return 2 * shared / total
