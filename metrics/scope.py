"""Who is looking: the scope argument of every data function.

Scoping is enforced where data is read (docs/DOMAIN.md, "Roles"): every data function of the
subject modules (``metrics.clues``, ``metrics.cases`` …) takes a ``Scope`` second and filters by
the place ``narrowed_to`` returns: the user's township, else the township asked for when it lies in
the user's county, else the user's county (a 6-digit prefix of every township code), else, for a
市级 user of a prefecture's warehouse, every county. ``metrics.tables.in_township`` turns that
place into the WHERE condition, so a query that narrows by township narrows by county too. A cached result is keyed on the scope too (``metrics.cache``), so a result computed
for one township or role can never be served to another. What a role may not see is hidden
here too: names (``mask_name``) and small village counts (``apply_small_number_rule``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import pandas as pd

from config import settings

ROLES = ("县领导", "纪委", "乡镇", "管理员", "市级")
COUNTY_ROLES = ("县领导", "纪委", "乡镇", "管理员")  # a user of one county; 市级 sees every county


@dataclass(frozen=True)
class Scope:
    """The user's view of the data: a township, a county or every county, and whether names show."""

    user_name: str = "演示用户"
    role: str = "纪委"
    township_code: str | None = None  # None: the whole county (or, with no county, every county)
    names_masked: bool = False  # meeting mode: the screen is in front of a room, whoever is signed in
    county_code: str | None = None  # 6 digits; None: every county in the warehouse (a 市级 user, or one county's)

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"未知角色：{self.role}")
        if self.role == "乡镇" and not self.township_code:
            raise ValueError("乡镇用户必须指定所属乡镇")
        if self.township_code and self.county_code is None:
            object.__setattr__(self, "county_code", self.township_code[:6])
        if self.township_code and not self.township_code.startswith(self.county_code):
            raise ValueError("乡镇不属于该县")

    @property
    def shows_names(self) -> bool:
        """纪委 and 管理员 see names, except on the projector (meeting mode); 县领导, 乡镇 and 市级 see them masked (张**)."""
        return self.role in ("纪委", "管理员") and not self.names_masked

    @property
    def may_produce_bulletin(self) -> bool:
        return self.role in ("纪委", "管理员")

    @property
    def every_county(self) -> bool:
        """A 市级 user who has chosen no county: it sees the whole prefecture (全市), every county side by side."""
        return self.role == "市级" and self.county_code is None

    def narrowed_to(self, township_code: str | None) -> str | None:
        """Return the place a query must filter by: the user's own township, else the township asked for
        when it is in the user's county, else the user's county (6 digits), else None (every county)."""
        if self.township_code:
            return self.township_code
        if township_code and (self.county_code is None or township_code.startswith(self.county_code)):
            return township_code
        return self.county_code

    def township_asked(self, township_code: str | None) -> str | None:
        """Return the township a view is of: the user's own, else the one asked for if it is in the user's
        county, else None (the county). For titles and choices; queries filter by ``narrowed_to``."""
        place = self.narrowed_to(township_code)
        return place if place and len(place) == 9 else None

    def in_county(self, county_code: str | None) -> Scope:
        """This scope narrowed to one county (a 市级 user's county selector); a county user's stays its own."""
        if self.county_code is not None or not county_code:
            return self
        return replace(self, county_code=county_code)

    @classmethod
    def county(cls, user_name: str = "演示用户", role: str = "纪委", county_code: str | None = None) -> Scope:
        return cls(user_name=user_name, role=role, county_code=county_code)


def mask_name(name: str | None) -> str:
    """张三丰 → 张**: keep the surname, hide the rest."""
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def apply_small_number_rule(df: pd.DataFrame, columns: Sequence[str], scope: Scope) -> pd.DataFrame:
    """Return a copy where, for a user who may not see names, a count in ``columns`` that is > 0 and below
    small_number_threshold reads "<3" (the threshold in the text), so no person can be singled out."""
    shown = df.copy()
    if scope.shows_names:
        return shown
    threshold = int(settings.get("small_number_threshold"))
    hidden = f"<{threshold}"
    for column in columns:
        if column in shown:
            shown[column] = pd.Series(
                [hidden if isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v < threshold else v
                 for v in shown[column].tolist()], index=shown.index, dtype="object")
    return shown
