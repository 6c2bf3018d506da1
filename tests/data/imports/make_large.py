"""Write a permit list of many rows (default 50,000) for the large-file test and the benchmark.

Rows are deterministic: ``matching`` persons (given as ``(aktenzeichen, family, given,
birth)``) come first, then made-up persons nobody has a case for. Every fifth made-up row has
no Aktenzeichen (matching by name and date of birth), every 1000th is invalid (a bad date).

    python tests/data/imports/make_large.py OUT.csv [--rows 50000]
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path

HEADER = "Aktenzeichen;Familienname;Vorname;Geburtsdatum;Paragraph;Erteilt_am;Gueltig_bis"
FAMILY = ("Ahmadi", "Haddad", "Özdemir", "Tesfay", "Karimi", "Müller", "Nasser", "Rahimi")
GIVEN = ("Rana", "Yonas", "Amir", "Gül", "Karim", "Zahra", "Jürgen", "Leyla")


def rows(total: int, matching: Iterable[tuple[str, str, str, str]] = ()) -> list[str]:
    """The data lines (without header)."""
    out = [f"{az};{family};{given};{birth};§ 25 Abs. 1 AufenthG;02.03.2027;01.03.2030"
           for az, family, given, birth in matching]
    i = 0
    while len(out) < total:
        i += 1
        born = date(1960, 1, 1) + timedelta(days=(i * 37) % 15000)
        az = "" if i % 5 == 0 else f"7{i:06d}-{i % 997:03d}"
        birth = "31.02.1990" if i % 1000 == 0 else born.strftime("%d.%m.%Y")
        out.append(f"{az};{FAMILY[i % 8]}{i};{GIVEN[i % 7]};{birth};25 Abs. {(1, 3, 5)[i % 3]};"
                   f"01.03.2027;28.02.2030")
    return out[:total]


def write(path: Path, total: int = 50_000,
          matching: Iterable[tuple[str, str, str, str]] = ()) -> Path:
    """Write the file (UTF-8, ``;``) and return its path."""
    path.write_text("\n".join([HEADER, *rows(total, matching)]) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args()
    print(write(args.out, args.rows))
