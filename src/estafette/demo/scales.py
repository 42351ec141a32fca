"""How much demo data each scale builds (figures from DOMAIN.md §8)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    """Row budgets of one demo scale. Counts are trajectories unless said otherwise."""

    name: str
    abroad_detained: int
    """Detained abroad now (BB-guided, sentence transfer in progress, on own strength)."""
    transferred_in_prison: int
    """Sentence transferred (WETS/WOTS), now serving the rest in a Dutch prison."""
    domestic_detained: int
    """In a Dutch prison now."""
    returned: int
    """Released in the last ten months, now in return or re-integration."""
    history_years: int
    """Years of closed trajectories behind today."""
    abroad_per_year: int
    """Closed trajectories abroad per year of history (650–800 return each year)."""
    domestic_per_year: int
    """Closed domestic trajectories per year of history."""
    volunteers: int
    """Visiting-volunteer users (BB had 128)."""

    @property
    def history(self) -> int:
        return self.history_years * (self.abroad_per_year + self.domestic_per_year)

    @property
    def total(self) -> int:
        """Trajectories the bulk generator makes (the named examples come on top)."""
        return (
            self.abroad_detained
            + self.transferred_in_prison
            + self.domestic_detained
            + self.returned
            + self.history
        )


SCALES: dict[str, Scale] = {
    # For tests: every scenario occurs, and it builds in a second or two.
    "tiny": Scale("tiny", 80, 10, 60, 50, 1, 40, 40, 12),
    # For `make run`: today's caseload at real size (about 2,000 abroad, DOMAIN.md §8)
    # with two years of history, so lists and figures have a past.
    "small": Scale("small", 2000, 200, 1500, 900, 2, 750, 1500, 128),
    # For benchmarks: the same today plus ten years of history, about 100,000
    # trajectories; the domestic history approximates the people a national
    # chain would follow each year rather than the demo's sample of them.
    "national": Scale("national", 2000, 200, 1500, 900, 10, 750, 8700, 128),
}
