"""Who is looking: the scope argument of every data function.

Scoping is enforced where data is read (docs/DOMAIN.md, "Roles"): every data function of the
subject modules (``metrics.clues``, ``metrics.cases`` …) takes a ``Scope`` second and filters by
its township. A cached result is keyed on the scope too (``metrics.cache``), so a result computed
for one township or role can never be served to another. What a role may not see is hidden
here too: names (``mask_name``) and small village counts (``apply_small_number_rule``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from config import settings

ROLES = ("县领导", "纪委", "乡镇", "管理员")


@dataclass(frozen=True)
class Scope:
    """The user's view of the data: a township (or the whole county) and whether names show."""

    user_name: str = "演示用户"
    role: str = "纪委"
    township_code: str | None = None  # None: the whole county
    names_masked: bool = False  # meeting mode: the screen is in front of a room, whoever is signed in

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"未知角色：{self.role}")
        if self.role == "乡镇" and not self.township_code:
            raise ValueError("乡镇用户必须指定所属乡镇")

    @property
    def shows_names(self) -> bool:
        """纪委 and 管理员 see names, except on the projector (meeting mode); 县领导 and 乡镇 see them masked (张**)."""
        return self.role in ("纪委", "管理员") and not self.names_masked

    @property
    def may_produce_bulletin(self) -> bool:
        return self.role in ("纪委", "管理员")

    def narrowed_to(self, township_code: str | None) -> str | None:
        """Return the township a query must filter by: the user's own, else the one asked for."""
        if self.township_code:
            return self.township_code
        return township_code

    @classmethod
    def county(cls, user_name: str = "演示用户", role: str = "纪委") -> Scope:
        return cls(user_name=user_name, role=role)


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
