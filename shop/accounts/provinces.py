"""Cambodia's capital and 24 provinces, with their ISO 3166-2:KH codes, English and Khmer names.

Addresses store the code (`KH-12`); delivery zones are sets of codes. `find_province` also
reads what people type in a free-text city field (old addresses, API clients): the English or
Khmer name in any case, common spellings ("Kratie", "Sihanoukville", "PP").
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from shop.i18n import localized


@dataclass(frozen=True)
class Province:
    code: str
    name_en: str
    name_kh: str
    aliases: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The name in the shopper's language."""
        return localized(self, "name")


PHNOM_PENH = "KH-12"

PROVINCES: tuple[Province, ...] = (
    Province("KH-12", "Phnom Penh", "ភ្នំពេញ", ("pp", "phnom penh city", "phnompenh", "រាជធានីភ្នំពេញ")),
    Province("KH-1", "Banteay Meanchey", "បន្ទាយមានជ័យ", ("banteay mean chey", "bmc")),
    Province("KH-2", "Battambang", "បាត់ដំបង", ("battambong", "btb")),
    Province("KH-3", "Kampong Cham", "កំពង់ចាម", ("kompong cham",)),
    Province("KH-4", "Kampong Chhnang", "កំពង់ឆ្នាំង", ("kompong chhnang",)),
    Province("KH-5", "Kampong Speu", "កំពង់ស្ពឺ", ("kompong speu",)),
    Province("KH-6", "Kampong Thom", "កំពង់ធំ", ("kompong thom",)),
    Province("KH-7", "Kampot", "កំពត", ()),
    Province("KH-8", "Kandal", "កណ្ដាល", ("កណ្តាល",)),
    Province("KH-9", "Koh Kong", "កោះកុង", ()),
    Province("KH-10", "Kratié", "ក្រចេះ", ("kratie",)),
    Province("KH-11", "Mondulkiri", "មណ្ឌលគិរី", ("mondul kiri", "mondolkiri")),
    Province("KH-13", "Preah Vihear", "ព្រះវិហារ", ()),
    Province("KH-14", "Prey Veng", "ព្រៃវែង", ()),
    Province("KH-15", "Pursat", "ពោធិ៍សាត់", ()),
    Province("KH-16", "Ratanakiri", "រតនគិរី", ("ratanakkiri", "rattanakiri")),
    Province("KH-17", "Siem Reap", "សៀមរាប", ("siemreap",)),
    Province("KH-18", "Preah Sihanouk", "ព្រះសីហនុ", ("sihanoukville", "kampong som", "kompong som")),
    Province("KH-19", "Stung Treng", "ស្ទឹងត្រែង", ("steung treng",)),
    Province("KH-20", "Svay Rieng", "ស្វាយរៀង", ()),
    Province("KH-21", "Takéo", "តាកែវ", ("takeo",)),
    Province("KH-22", "Oddar Meanchey", "ឧត្ដរមានជ័យ", ("ឧត្តរមានជ័យ", "otdar meanchey")),
    Province("KH-23", "Kep", "កែប", ("kep city",)),
    Province("KH-24", "Pailin", "ប៉ៃលិន", ()),
    Province("KH-25", "Tboung Khmum", "ត្បូងឃ្មុំ", ("tbong khmum",)),
)

BY_CODE = {p.code: p for p in PROVINCES}


def _key(text: str) -> str:
    """Case, accents, spaces and a leading "province"/"ខេត្ត" do not matter."""
    text = unicodedata.normalize("NFC", text).strip().lower()
    for prefix in ("ខេត្ត", "រាជធានី", "province of ", "city of "):
        if text.startswith(prefix) and text != prefix:
            text = text[len(prefix) :]
    for suffix in (" province", " city", " capital"):
        if text.endswith(suffix):
            text = text[: -len(suffix)]
    decomposed = unicodedata.normalize("NFD", text)
    latin = "".join(c for c in decomposed if not ("\u0300" <= c <= "\u036f"))  # é -> e; Khmer untouched
    return " ".join(unicodedata.normalize("NFC", latin).replace("-", " ").split())


_BY_NAME: dict[str, Province] = {}
for _province in PROVINCES:
    for _name in (_province.code, _province.name_en, _province.name_kh, *_province.aliases):
        _BY_NAME[_key(_name)] = _province


def find_province(text: str | None) -> Province | None:
    """The province a code or name means, or None."""
    if not text or not text.strip():
        return None
    return BY_CODE.get(text.strip().upper()) or _BY_NAME.get(_key(text))


def province_choices() -> list[tuple[str, str]]:
    """(code, name) in the shopper's language: the capital first, then the provinces A to Z."""
    rest = sorted(PROVINCES[1:], key=lambda p: p.name)
    return [(p.code, p.name) for p in (PROVINCES[0], *rest)]
