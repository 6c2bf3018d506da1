"""Residence permits as the Ausländerbehörde reports them (message ``permit_issued``).

§25(2) AufenthG has two alternatives: Alt. 1 for refugee status (stage S3b), Alt. 2 for
subsidiary protection (S3c). A list that says only "§25(2)" is completed from the case's stage;
where the stage does not tell, a person decides.
"""

from __future__ import annotations

PERMIT_MESSAGE = "permit_issued"
#: the ``paragraph`` values of bpmn/messages/permit_issued.schema.json (a test keeps them equal)
PERMIT_PARAGRAPHS = ("§23(4)", "§25(1)", "§25(2) Alt. 1", "§25(2) Alt. 2", "§25(3)", "§25(5)",
                     "§19d(1a)")
#: §25(2) without the alternative: not a value the process accepts until completed
AMBIGUOUS_PARAGRAPH = "§25(2)"
#: which alternative of §25(2) AufenthG a case's stage stands for
ALTERNATIVE_BY_STAGE = {"S3b": "§25(2) Alt. 1", "S3c": "§25(2) Alt. 2"}


def complete_alternative(payload: dict[str, object], stage: str | None) -> dict[str, object] | None:
    """``§25(2)`` completed from the case's stage; None when the stage does not tell."""
    alternative = ALTERNATIVE_BY_STAGE.get(stage or "")
    if alternative is None:
        return None
    return {**payload, "paragraph": alternative}


def with_alternative(payload: dict[str, object], alternative: str) -> dict[str, object]:
    """``§25(2)`` completed with the alternative ("1" or "2") a person found out."""
    return {**payload, "paragraph": f"{AMBIGUOUS_PARAGRAPH} Alt. {alternative}"}
